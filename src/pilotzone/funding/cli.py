"""``pilotzone funding evaluate|allocate``: a program's formula and the allocation rules, for
automation and tests."""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal, InvalidOperation

import click

from pilotzone.jobs.cli import command_settings


@click.group()
def funding() -> None:
    """Funding programs: evaluate a program, allocate a budget (for automation and tests)."""


@funding.command("evaluate")
@click.option("--tenant", "slug", required=True)
@click.option("--program", "key", required=True)
@click.option("--inputs", "inputs", required=True, help='JSON object, e.g. \'{"exports": "12000000"}\'')
@click.option("--subject", type=int, default=None, help="Check subject rules against this subject id.")
def funding_evaluate(slug: str, key: str, inputs: str, subject: int | None) -> None:
    """Print {"eligible", "amount", "explanation"} as JSON for the program's current version."""
    from pilotzone.embedded import embedded_services
    from pilotzone.funding.formula_values import EvaluationError
    from pilotzone.funding.programs import InputError
    from pilotzone.funding.services import UnknownProgram, evaluate

    try:
        raw = json.loads(inputs, parse_float=str)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--inputs") from None
    if not isinstance(raw, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--inputs")
    with embedded_services(command_settings(), s3=False):
        try:
            result = asyncio.run(evaluate(slug, key, raw, subject))
        except UnknownProgram as exc:
            raise click.ClickException(str(exc)) from None
        except InputError as exc:
            raise click.BadParameter(f"{exc.key}: {exc.message}", param_hint="--inputs") from None
        except EvaluationError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result, ensure_ascii=False))


@funding.command("allocate")
@click.option("--budget", required=True)
@click.option("--rule", type=click.Choice(["pro_rata", "ranked", "first_come"]), required=True)
@click.option("--partial", is_flag=True, default=False)
def funding_allocate(budget: str, rule: str, partial: bool) -> None:
    """Read JSON lines {"id", "claim", "score", "submitted_at"} on stdin; print {"id", "award"} per line."""
    from pilotzone.funding.allocation import allocate, claims_from_json_lines

    try:
        claims = claims_from_json_lines(sys.stdin)
        awards = allocate(claims, _decimal(budget, "--budget"), rule, partial=partial)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for claim in claims:
        click.echo(json.dumps({"id": claim.id, "award": str(awards[claim.id])}))


def _decimal(value: str, hint: str):
    try:
        return Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not a decimal amount", param_hint=hint) from None

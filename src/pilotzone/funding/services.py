"""Funding program services: sync from the tenant files, versions, rounds, subject facts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from piccolo.columns import Column

from pilotzone import db
from pilotzone.funding.deadlines import round_deadline
from pilotzone.funding.facts import facts_of
from pilotzone.funding.formula_values import text
from pilotzone.funding.program_spec import ProgramSpec, RoundSpec
from pilotzone.funding.programs import compiled, to_json
from pilotzone.funding.states import BY_DATE, RoundState, state_on
from pilotzone.funding.tables import Program, ProgramVersion, Round
from pilotzone.tenancy.context import TenantContext, current_tenant_id, tenant_transaction
from pilotzone.web.deadlines import tenant_today


async def save_program(
    spec: ProgramSpec, *, created_by: int | None = None, source: str = "file"
) -> tuple[Program, bool]:
    """Create the program or, when its spec changed, add the next version. Returns (program, written).
    ``source``: ``file`` (tenants sync) or ``editor`` (made in the UI; sync leaves it alone)."""
    data = to_json(spec)
    row = await Program.objects().where(Program.key == spec.key).first()
    names: dict[str, Any] = {"subject": spec.subject, "name_zh": spec.name_zh, "name_en": spec.name_en}
    if row is None:
        row = Program(key=spec.key, version=0, active=True, source=source, **names)
        await row.save()
    else:
        current = await ProgramVersion.objects().where(ProgramVersion.id == row.current_version).output(
            load_json=True
        ).first()
        if current is not None and current.spec == data:
            if not row.active:
                await Program.update({Program.active: True}).where(Program.id == row.id)
                return row, True
            return row, False
    version = ProgramVersion(
        program=row.id,
        version=row.version + 1,
        spec=data,
        example_parameters=spec.example_parameters,
        created_by=created_by,
    )
    await version.save()
    changes: dict[Column | str, Any] = {key: value for key, value in names.items()}
    changes |= {
        "version": row.version + 1,
        "current_version": version.id,
        "active": True,
        "updated_at": datetime.now(UTC),
    }
    await Program.update(changes).where(Program.id == row.id)
    row.version, row.current_version = row.version + 1, version.id
    return row, True


async def sync_rounds(program: Program, spec: ProgramSpec) -> int:
    """Upsert the rounds of the file, each in the state its dates give today (``states.state_on``); a
    round that is closed (or further) keeps its budget and dates."""
    written = 0
    today = tenant_today()
    existing = {r.key: r for r in await Round.objects().where(Round.program == program.id)}
    for rnd in spec.rounds:
        values = _round_values(rnd, spec)
        row = existing.get(rnd.key)
        if row is None:
            status = state_on(RoundState.SCHEDULED, rnd.opens, rnd.closes, today).value
            await Round(program=program.id, key=rnd.key, status=status, **values).save()
            written += 1
        elif row.status in BY_DATE and any(getattr(row, k) != v for k, v in values.items()):
            values["status"] = state_on(row.status, rnd.opens, rnd.closes, today).value
            await Round.update({**values, "updated_at": datetime.now(UTC)}).where(Round.id == row.id)
            written += 1
    return written


def _round_values(rnd: RoundSpec, spec: ProgramSpec) -> dict:
    return {
        "name_zh": rnd.name_zh,
        "name_en": rnd.name_en,
        "budget": rnd.budget.quantize(Decimal("0.01")),
        "opens_at": rnd.opens,
        "closes_at": rnd.closes,
        "rule": rnd.allocation or spec.allocation,
        "partial": spec.partial if rnd.partial is None else rnd.partial,
    }


async def sync_programs(specs: list[ProgramSpec]) -> int:
    """The current tenant's programs from its file: new versions where a spec changed (the file wins
    over an edit in the UI), rounds upserted, programs dropped from the file deactivated (their versions
    stay; programs made in the editor are left alone). Returns rows written."""
    written = 0
    keys = {spec.key for spec in specs}
    for spec in specs:
        program, changed = await save_program(spec)
        written += changed + await sync_rounds(program, spec)
    for row in await Program.objects().where((Program.active == True) & (Program.source == "file")):  # noqa: E712
        if row.key not in keys:
            await Program.update({Program.active: False}).where(Program.id == row.id)
            written += 1
    return written


async def programs() -> list[dict]:
    """The active programs of the current tenant (explicitly: provincial readers see every tenant's rows)."""
    return (
        await Program.select()
        .where((Program.tenant == current_tenant_id()) & (Program.active == True))  # noqa: E712
        .order_by(Program.id)
    )


async def program_with_version(key: str) -> tuple[Program, ProgramVersion] | None:
    program = (
        await Program.objects()
        .where((Program.tenant == current_tenant_id()) & (Program.key == key) & (Program.active == True))  # noqa: E712
        .first()
    )
    if program is None:
        return None
    version = (
        await ProgramVersion.objects().where(ProgramVersion.id == program.current_version).output(load_json=True).first()
    )
    assert version is not None
    return program, version


async def rounds_of(program_id: int) -> list[dict]:
    """The rounds of a program, each with what its dates mean today (``deadline``: time left, …)."""
    rows = await Round.select().where(Round.program == program_id).order_by(Round.opens_at, Round.id)
    today = tenant_today()
    for row in rows:
        row["deadline"] = round_deadline(row["status"], row["opens_at"], row["closes_at"], today)
    return rows


async def versions_of(program_id: int) -> list[dict]:
    return await ProgramVersion.select(
        ProgramVersion.id, ProgramVersion.version, ProgramVersion.created_by, ProgramVersion.created_at
    ).where(ProgramVersion.program == program_id).order_by(ProgramVersion.version, ascending=False)


class UnknownProgram(LookupError):
    pass


async def evaluate(slug: str, key: str, raw_inputs: dict, subject: int | None = None) -> dict:
    """``pilotzone funding evaluate``: the current version of a tenant's program on the given inputs,
    inside that tenant's transaction. Without ``subject`` the subject rules are reported as not checked.
    Raises UnknownProgram, InputError, EvaluationError."""
    rows = await db.fetch_global("SELECT id FROM tenant WHERE slug = $1 AND active", slug)
    if not rows:
        raise UnknownProgram(f"no tenant '{slug}'")
    async with tenant_transaction(TenantContext(rows[0]["id"], slug)):
        found = await program_with_version(key)
        if found is None:
            raise UnknownProgram(f"no active program '{key}' in {slug}")
        program, version = found
        compiled_program = compiled(version)
        inputs = compiled_program.parse_inputs(raw_inputs)
        facts = None
        if subject is not None:
            today = datetime.now(UTC)
            facts = await facts_of(program.subject, subject, today, today.year)  # trade facts: this year's
            if facts is None:
                raise UnknownProgram(f"no {program.subject} {subject} in {slug}")
        result = compiled_program.evaluate(inputs, facts)
    return {
        "eligible": result.eligible,
        "amount": text(result.amount),
        "program": key,
        "version": version.version,
        "reasons": [
            {"rule": r.rule, "ok": r.ok, "message_zh": r.message_zh, "message_en": r.message_en}
            for r in result.reasons
        ],
        "explanation": result.explanation,
    }

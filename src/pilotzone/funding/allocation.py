"""Allocation of a round's budget over its claims, fen-exact (issue 5, §6).

All arithmetic is on integers of fen, so nothing is rounded except where the rule says so:

* ``pro_rata``: if the claims fit, everyone gets the claim. Otherwise each gets
  ``floor(claim × budget / sum)`` fen; the fen left over go one each to the largest dropped remainders
  (ties: earlier submission, then smaller id). The total is then exactly the budget and no award exceeds
  its claim (only claims with a non-zero remainder, i.e. awards strictly below the exact share, get one).
* ``ranked``: by score descending (ties: earlier submission, then smaller id), each gets the full claim
  while the budget lasts; the first that does not fit gets what is left if ``partial``, else nothing;
  everyone after it gets nothing.
* ``first_come``: like ``ranked``, in order of submission (ties: smaller id).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

RULES = ("pro_rata", "ranked", "first_come")


@dataclass(frozen=True)
class Claim:
    id: int
    claim: Decimal
    score: Decimal
    submitted_at: datetime


def to_fen(amount: Decimal, what: str) -> int:
    """An amount in whole fen; refuses negative amounts and fractions of a fen."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"{what} must be a finite Decimal, not {amount!r}")
    fen = amount.scaleb(2)
    if fen != fen.to_integral_value():
        raise ValueError(f"{what} {amount} has fractions of a fen")
    if fen < 0:
        raise ValueError(f"{what} {amount} is negative")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def allocate(
    claims: Iterable[Claim], budget: Decimal, rule: str, *, partial: bool = False
) -> dict[int, Decimal]:
    """The award of every claim id (``Decimal`` with two places); the total never exceeds ``budget``."""
    if rule not in RULES:
        raise ValueError(f"unknown allocation rule {rule!r} (one of {', '.join(RULES)})")
    items = list(claims)
    ids = [c.id for c in items]
    if len(set(ids)) != len(ids):
        raise ValueError("claim ids must be unique")
    budget_fen = to_fen(budget, "budget")
    fen = {c.id: to_fen(c.claim, f"claim of {c.id}") for c in items}
    if rule == "pro_rata":
        awards = _pro_rata(items, fen, budget_fen)
    elif rule == "ranked":
        order = sorted(items, key=lambda c: (-c.score, c.submitted_at, c.id))
        awards = _in_order(order, fen, budget_fen, partial)
    else:
        order = sorted(items, key=lambda c: (c.submitted_at, c.id))
        awards = _in_order(order, fen, budget_fen, partial)
    return {c.id: from_fen(awards[c.id]) for c in items}


def _pro_rata(items: list[Claim], fen: dict[int, int], budget: int) -> dict[int, int]:
    total = sum(fen.values())
    if total <= budget:
        return dict(fen)
    awards: dict[int, int] = {}
    remainders: dict[int, int] = {}  # dropped remainder × total: comparable across claims
    for c in items:
        awards[c.id], remainders[c.id] = divmod(fen[c.id] * budget, total)
    left = budget - sum(awards.values())
    by_remainder = sorted(items, key=lambda c: (-remainders[c.id], c.submitted_at, c.id))
    for c in by_remainder[:left]:
        awards[c.id] += 1
    return awards


def _in_order(order: list[Claim], fen: dict[int, int], budget: int, partial: bool) -> dict[int, int]:
    awards = {c.id: 0 for c in order}
    left = budget
    for c in order:
        if fen[c.id] <= left:
            awards[c.id] = fen[c.id]
            left -= fen[c.id]
            continue
        if partial:
            awards[c.id] = left
        break
    return awards


def claims_from_json_lines(lines: Iterable[str]) -> list[Claim]:
    """``{"id": 1, "claim": "12.30", "score": "80", "submitted_at": "2026-03-01T09:00:00+08:00"}`` per
    line (blank lines skipped). Amounts as strings or numbers, read exactly (never float). Naive times are UTC."""
    claims = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line, parse_float=_no_float)
            submitted = datetime.fromisoformat(row["submitted_at"])
            claims.append(
                Claim(
                    id=int(row["id"]),
                    claim=_amount(row["claim"]),
                    score=_amount(row.get("score", "0")),
                    submitted_at=submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC),
                )
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ValueError(f"line {n}: {exc}") from None
    return claims


def _no_float(value: str) -> Decimal:
    return Decimal(value)  # JSON numbers with a fraction are read exactly, never as float


def _amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError(f"{value!r} is not an amount (a string or an integer)")
    return Decimal(value) if not isinstance(value, str) else Decimal(value.strip())

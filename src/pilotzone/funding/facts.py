"""What eligibility needs to know about subjects, looked up for many at once (three queries per chunk):
whether the subject is registered, the certifications it holds on a date, and the credit negative-list
(信用负面清单) entry in force on that date for the enterprise behind it.

This is the one place the funding engine asks these questions: the calculation job, the applicant's
estimate, submission and ``pilotzone funding evaluate`` all come here, so they cannot disagree.

- **registered**: the subject row exists in the tenant and is ``active`` (accepted by the bureau).
- **certifications**: scheme keys of certificates whose application's subject *is this subject* (a park
  award asks for the park's certificate, a warehouse programme for the warehouse's), valid on the date:
  ``valid`` (or ``renewed``, whose successor may start later) with ``valid_from ≤ date ≤ valid_until``.
- **negative list**: the entry of the enterprise itself, or of the enterprise that owns the warehouse or
  employs the talent. Parks are run by operators, not by listed enterprises: none applies.
RLS scopes every query to the current tenant: a subject of another tenant is simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from pilotzone import db
from pilotzone.funding.programs import SubjectFacts
from pilotzone.registry.negative_list import active_negative_entries
from pilotzone.trade.facts import TradeFacts, trade_facts
from pilotzone.web.deadlines import tenant_today

Subject = tuple[str, int]
SUBJECT_KINDS = ("enterprise", "park", "overseas_warehouse", "talent")

_SUBJECTS = """
SELECT s.kind, s.id,
       CASE s.kind WHEN 'enterprise' THEN e.status WHEN 'park' THEN p.status
                   WHEN 'overseas_warehouse' THEN w.status WHEN 'talent' THEN t.status END AS status,
       CASE s.kind WHEN 'enterprise' THEN e.id WHEN 'overseas_warehouse' THEN w.enterprise
                   WHEN 'talent' THEN t.employer END AS enterprise
  FROM unnest($1::text[], $2::int[]) AS s(kind, id)
  LEFT JOIN enterprise e ON s.kind = 'enterprise' AND e.id = s.id
  LEFT JOIN park p ON s.kind = 'park' AND p.id = s.id
  LEFT JOIN overseas_warehouse w ON s.kind = 'overseas_warehouse' AND w.id = s.id
  LEFT JOIN talent t ON s.kind = 'talent' AND t.id = s.id
"""

_CERTIFICATIONS = """
SELECT s.subject_kind AS kind, s.subject_id AS id, array_agg(DISTINCT c.scheme_key) AS keys
  FROM certificate c JOIN submission s ON s.id = c.application AND s.tenant_id = c.tenant_id
 WHERE (s.subject_kind, s.subject_id) IN (SELECT * FROM unnest($1::text[], $2::int[]))
   AND c.status IN ('valid', 'renewed') AND c.valid_from <= $3 AND c.valid_until >= $3
 GROUP BY s.subject_kind, s.subject_id
"""


def _moment(on: date | datetime) -> datetime:
    if isinstance(on, datetime):
        return on
    return datetime.combine(on, datetime.min.time(), UTC)


TRADE_KINDS = ("enterprise", "overseas_warehouse")  # subjects with trade facts (a warehouse: its owner's)


async def subject_facts(
    subjects: Sequence[Subject], on: date | datetime, trade_year: int | None = None
) -> dict[Subject, SubjectFacts]:
    """Facts per (kind, id) on ``on``; a subject that does not exist in the tenant is left out. With
    ``trade_year`` (the reference year of the round) also the trade facts (``pilotzone.trade.facts``) of
    enterprises and warehouses (their owner's): one more query."""
    wanted = sorted({(kind, int(sid)) for kind, sid in subjects if kind in SUBJECT_KINDS})
    if not wanted:
        return {}
    kinds, ids = [k for k, _ in wanted], [i for _, i in wanted]
    moment = _moment(on)
    found = {(r["kind"], r["id"]): r for r in await db.fetch(_SUBJECTS, kinds, ids) if r["status"] is not None}
    day = tenant_today(moment)  # certificates and list entries run by the tenant's days, not UTC's
    certs = {(r["kind"], r["id"]): frozenset(r["keys"]) for r in await db.fetch(_CERTIFICATIONS, kinds, ids, day)}
    owners = sorted({r["enterprise"] for r in found.values() if r["enterprise"] is not None})
    negative = await active_negative_entries(owners, day) if owners else {}
    traders = sorted({r["enterprise"] for k, r in found.items() if k[0] in TRADE_KINDS and r["enterprise"]})
    trade = await trade_facts(traders, trade_year) if trade_year is not None else {}
    empty = TradeFacts(trade_year) if trade_year is not None else None  # a park, a talent: no figures
    facts: dict[Subject, SubjectFacts] = {}
    for key, row in found.items():
        entry = negative.get(row["enterprise"]) if row["enterprise"] is not None else None
        facts[key] = SubjectFacts(
            certifications=certs.get(key, frozenset()),
            negative_entry=entry.reason if entry is not None else None,
            negative_source=entry.source if entry is not None else "",
            registered=row["status"] == "active",
            trade=trade.get(row["enterprise"], empty) if key[0] in TRADE_KINDS else empty,
        )
    return facts


async def facts_of(
    kind: str, subject_id: int, on: date | datetime, trade_year: int | None = None
) -> SubjectFacts | None:
    """The facts of one subject (None: no such subject in this tenant)."""
    return (await subject_facts([(kind, subject_id)], on, trade_year)).get((kind, subject_id))

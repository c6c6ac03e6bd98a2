"""What eligibility needs to know about subjects, looked up for many at once (one query per chunk):
certifications held on a date and negative-list (信用负面清单) entries in force on a date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pilotzone import db

_CERTIFICATIONS = """
SELECT a.applicant_enterprise AS enterprise, array_agg(DISTINCT c.scheme_key) AS keys
  FROM certificate c JOIN application a ON a.id = c.application
 WHERE a.applicant_enterprise = ANY($1::int[]) AND c.status = 'valid'
   AND c.issued_at <= $2 AND c.valid_until >= $2
 GROUP BY a.applicant_enterprise
"""


async def certifications_held(enterprise_ids: Sequence[int], on: datetime) -> dict[int, frozenset[str]]:
    """Scheme keys of the certificates valid on ``on``, per enterprise."""
    if not enterprise_ids:
        return {}
    rows = await db.fetch(_CERTIFICATIONS, list(set(enterprise_ids)), on)
    return {r["enterprise"]: frozenset(r["keys"]) for r in rows}


async def negative_entries(enterprise_ids: Sequence[int], on: datetime) -> dict[int, dict]:
    """The negative-list entry in force on ``on`` per enterprise (reason, source), when there is one.
    The one place funding asks the registry's negative list."""
    if not enterprise_ids:
        return {}
    try:
        from pilotzone.registry.negative_list import active_negative_entries
    except ImportError:  # the negative list is not there yet: nobody is on it
        return {}
    found = await active_negative_entries(list(set(enterprise_ids)), on.date())
    return {eid: _entry_dict(entry) for eid, entry in found.items() if entry is not None}


def _entry_dict(entry: object) -> dict:
    if isinstance(entry, dict):
        return {"reason": str(entry.get("reason", "")), "source": str(entry.get("source", ""))}
    return {"reason": str(getattr(entry, "reason", "")), "source": str(getattr(entry, "source", ""))}

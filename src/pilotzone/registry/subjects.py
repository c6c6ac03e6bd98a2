"""The subjects a submission can be for (parks, enterprises, overseas warehouses, talents), as the
acting role may choose them: id, label, and the scope copied onto the submission (enterprise, park,
district). Used by every kind of submission (certification, funding)."""

from __future__ import annotations

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.registry.services import enterprise_scope
from pilotzone.registry.tables import Park
from pilotzone.web.i18n import pick

_SUBJECT_SQL = {
    "enterprise": (
        "SELECT e.id, e.name AS label, e.id AS enterprise, e.park, e.district_code FROM enterprise e "
        "WHERE e.id IN (SELECT id FROM enterprise WHERE {where})"
    ),
    "overseas_warehouse": (
        "SELECT o.id, e.name || ' · ' || o.city || ', ' || o.address AS label, e.id AS enterprise, e.park, "
        "e.district_code FROM overseas_warehouse o JOIN enterprise e ON e.id = o.enterprise "
        "WHERE o.enterprise IN (SELECT id FROM enterprise WHERE {where})"
    ),
    "talent": (
        "SELECT t.id, e.name || ' · ' || t.name AS label, e.id AS enterprise, e.park, e.district_code "
        "FROM talent t JOIN enterprise e ON e.id = t.employer "
        "WHERE t.employer IN (SELECT id FROM enterprise WHERE {where})"
    ),
}


async def subjects(principal: Principal, kind: str, subject_id: int | None = None) -> list[dict]:
    """Subjects of ``kind`` in the acting role's scope: id, label, enterprise, park, district_code."""
    if kind == "park":
        query = Park.select(Park.id, Park.name_zh, Park.name_en, Park.district_code).where(
            Park.status == "active"
        )
        if subject_id is not None:
            query = query.where(Park.id == subject_id)
        rows = await query.order_by(Park.id)
        return [
            {
                "id": r["id"],
                "label": pick(r["name_zh"], r["name_en"]),
                "enterprise": None,
                "park": r["id"],
                "district_code": r["district_code"],
            }
            for r in rows
            if principal.sees_park(r["id"], r["district_code"])
        ]
    if kind not in _SUBJECT_SQL:
        return []
    where, args = enterprise_scope(principal)
    sql = _SUBJECT_SQL[kind].format(where=where)
    if subject_id is not None:
        args = [*args, subject_id]
        sql += f" AND {kind[0]}.id = ${len(args)}"  # the alias: e, o(verseas warehouse) or t
    return [dict(r) for r in await db.fetch(sql + " ORDER BY 1", *args)]


async def submission_subject(principal: Principal, kind: str, raw_id: str) -> dict | None:
    """The subject of ``kind`` with id ``raw_id`` (as posted) if the acting role may choose it, as the
    columns a new submission copies (``workflow.tables.Submission``); None otherwise."""
    try:
        wanted = int(raw_id)
    except ValueError:
        return None
    found = await subjects(principal, kind, wanted)
    if not found:
        return None
    subject = found[0]
    return {
        "subject_kind": kind,
        "subject_id": subject["id"],
        "subject_label": str(subject["label"])[:300],
        "applicant_enterprise": subject["enterprise"],
        "applicant_park": subject["park"],
        "district_code": subject["district_code"] or "",
        "created_by": principal.user_id,
    }

"""Who sees a submission: its scope is that of its applicant (an enterprise, or a park), copied from
the subject at creation into ``applicant_enterprise``, ``applicant_park`` and ``district_code``; every
kind's table has these columns."""

from __future__ import annotations

from typing import Protocol

from piccolo.columns import Column
from piccolo.query import Select

from pilotzone.auth.principal import Principal
from pilotzone.tenancy.tables import Table


class Scoped(Protocol):
    applicant_enterprise: int | None
    applicant_park: int | None
    district_code: str


def visible(principal: Principal, row: Scoped) -> bool:
    """Whether ``principal``'s scope covers the submission ``row``."""
    if row.applicant_enterprise is not None:
        return principal.sees_enterprise(row.applicant_enterprise, row.applicant_park, row.district_code)
    return row.applicant_park is not None and principal.sees_park(row.applicant_park, row.district_code)


def scoped(query: Select, table: type[Table], principal: Principal) -> Select | None:
    """``query`` (a select of submissions of ``table``: the scope columns above) narrowed to what
    ``principal`` may list; None when nothing."""
    m = principal.acting
    if principal.province or (m and m.role in ("bureau_admin", "bureau_reviewer")):
        return query
    if m and m.role == "district_reviewer":
        return query.where(table.district_code == m.district_code)  # type: ignore[attr-defined]
    if m and m.role == "park_operator" and m.park_id is not None:
        return query.where(table.applicant_park == m.park_id)  # type: ignore[attr-defined]
    if m and m.role == "enterprise_user" and m.enterprise_id is not None:
        return query.where(table.applicant_enterprise == m.enterprise_id)  # type: ignore[attr-defined]
    return None


async def listed(table: type[Table], principal: Principal, *columns: Column) -> list[dict]:
    """The newest 200 submissions of ``table`` that ``principal`` may list, with ``columns``."""
    query = scoped(table.select(table.id, *columns), table, principal)
    return [] if query is None else await query.order_by(table.id, ascending=False).limit(200)

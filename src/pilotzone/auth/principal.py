"""Who is calling: the session's user, all their memberships, and the one acting in this tenant.

Memberships of the user are readable across tenants through the ``pz_own_memberships`` policy
(``app.user_id``); everything else of another tenant stays invisible.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from pilotzone import db
from pilotzone.auth.sessions import MembershipInfo, SessionInfo


@dataclass(slots=True)
class Principal:
    session: SessionInfo | None
    memberships: list[MembershipInfo] = field(default_factory=list)
    acting: MembershipInfo | None = None  # the membership used in the current tenant
    province: bool = False  # acting with the user's province role

    @property
    def authenticated(self) -> bool:
        return self.session is not None

    @property
    def user_id(self) -> int | None:
        return self.session.user_id if self.session else None

    @property
    def label(self) -> str:
        return self.session.email if self.session else ""

    @property
    def role(self) -> str | None:
        if self.province and self.session:
            return self.session.province_role
        return self.acting.role if self.acting else None

    def in_tenant(self, tenant_id: int) -> list[MembershipInfo]:
        return [m for m in self.memberships if m.tenant_id == tenant_id]

    # -- object-level checks (the rows are already limited to the tenant by RLS)
    def _covers(self, district_code: str, park_id: int | None, enterprise_id: int | None = None) -> bool:
        """Whether the acting role's scope (tenant, district, park or enterprise) covers an object."""
        if self.province:
            return True
        m = self.acting
        if m is None:
            return False
        if m.role in ("bureau_admin", "bureau_reviewer"):
            return True
        if m.role == "district_reviewer":
            return district_code == m.district_code
        if m.role == "park_operator":
            return park_id is not None and park_id == m.park_id
        return m.role == "enterprise_user" and enterprise_id is not None and enterprise_id == m.enterprise_id

    def sees_park(self, park_id: int, district_code: str) -> bool:
        return self._covers(district_code, park_id)

    def sees_enterprise(self, enterprise_id: int, park_id: int | None, district_code: str) -> bool:
        return self._covers(district_code, park_id, enterprise_id)


ANONYMOUS = Principal(session=None)
_current: contextvars.ContextVar[Principal] = contextvars.ContextVar("pilotzone_principal", default=ANONYMOUS)

_MEMBERSHIPS = """
SELECT m.id, m.tenant_id, t.slug AS tenant_slug, t.name_zh AS tenant_name_zh, t.name_en AS tenant_name_en,
       m.role, m.district_code, m.park AS park_id, m.enterprise AS enterprise_id
  FROM membership m JOIN tenant t ON t.id = m.tenant_id
 WHERE m.user = $1 AND m.active AND t.active
 ORDER BY t.sort_order, m.id
"""


async def load_memberships(user_id: int) -> list[MembershipInfo]:
    """The user's active memberships in every tenant (needs ``app.user_id`` = ``user_id``)."""
    return [MembershipInfo(**dict(r)) for r in await db.fetch(_MEMBERSHIPS, user_id)]


async def load_principal(session: SessionInfo | None, tenant_id: int | None) -> Principal:
    """Inside the request transaction (``app.user_id`` set by the entry point)."""
    if session is None:
        return ANONYMOUS
    memberships = list(session.memberships)
    acting = None
    if tenant_id is not None and not session.province:
        acting = next(
            (m for m in memberships if m.id == session.membership_id and m.tenant_id == tenant_id), None
        )
    return Principal(
        session=session,
        memberships=memberships,
        acting=acting,
        province=session.province and session.province_role is not None,
    )


def current_principal() -> Principal:
    return _current.get()


def set_principal(principal: Principal) -> contextvars.Token[Principal]:
    return _current.set(principal)

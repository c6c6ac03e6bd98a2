"""Every route declares who may call it (``opt={"access": ...}``); one app-level guard enforces it.

A route without a declaration is refused (fail closed), and a test walks the route table.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from pilotzone.auth.principal import Principal, load_principal, set_principal
from pilotzone.auth.tables import PROVINCE_ROLES, TENANT_ROLES
from pilotzone.tenancy.context import current_context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotInThisTenant(PermissionDeniedException):
    """403 for a signed-in user without a membership here (the refusal page offers a switch)."""


@dataclass(frozen=True, slots=True)
class Access:
    kind: str  # public | signed_in | tenant | province
    roles: frozenset[str] = frozenset()
    province_read: bool = True  # tenant routes: province users may GET them (read-only role)
    province_writers: frozenset[str] = (
        frozenset()
    )  # province roles that may also write here (as the app role)

    def describe(self) -> str:
        return f"{self.kind}:{','.join(sorted(self.roles))}" if self.roles else self.kind


PUBLIC = Access("public")
SIGNED_IN = Access("signed_in")


def tenant(*roles: str, province_read: bool = True, province_writers: tuple[str, ...] = ()) -> Access:
    unknown = set(roles) - set(TENANT_ROLES)
    if unknown or set(province_writers) - set(PROVINCE_ROLES):
        raise ValueError(f"unknown roles {unknown or province_writers}")
    return Access("tenant", frozenset(roles or TENANT_ROLES), province_read, frozenset(province_writers))


def province(*roles: str) -> Access:
    unknown = set(roles) - set(PROVINCE_ROLES)
    if unknown:
        raise ValueError(f"unknown province roles {unknown}")
    return Access("province", frozenset(roles or PROVINCE_ROLES))


MEMBERS = tenant()
BUREAU_ADMIN = tenant("bureau_admin")
REVIEWERS = tenant("bureau_admin", "bureau_reviewer", "district_reviewer")


def allow(access: Access) -> dict[str, Access]:
    """``@get(..., opt=allow(MEMBERS))``."""
    return {"access": access}


async def check_access(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    access = handler.opt.get("access")
    if not isinstance(access, Access):
        raise PermissionDeniedException("this route declares no access rule")
    ctx = current_context()
    tenant_id = ctx.tenant_id if ctx else None
    principal = await load_principal(connection.scope.get("auth"), tenant_id)
    set_principal(principal)
    connection.scope["principal"] = principal  # type: ignore[typeddict-unknown-key]  # our own scope entry: Litestar's Scope TypedDict has no such key
    method = connection.scope.get("method")  # a guarded route is an HTTP route: it has a method
    decide(access, principal, method if isinstance(method, str) else "", tenant_id)


def decide(access: Access, principal: Principal, method: str, tenant_id: int | None) -> None:
    if access.kind == "public":
        return
    if not principal.authenticated:
        raise NotAuthorizedException("sign in first")
    if access.kind == "signed_in":
        return
    if access.kind == "province":
        if principal.province and principal.role in access.roles:
            return
        raise PermissionDeniedException("provincial staff only")
    if access.kind == "tenant":
        if tenant_id is None:
            raise HTTPException(status_code=500, detail="tenant route outside a tenant")
        if principal.province:
            if access.province_read and method in SAFE_METHODS:
                return
            if principal.role in access.province_writers:
                return
            raise PermissionDeniedException("provincial staff read, they do not change a city's data")
        if principal.acting is not None and principal.acting.role in access.roles:
            return
        if principal.acting is None:
            raise NotInThisTenant("no membership in this pilot zone")
        raise PermissionDeniedException("your role may not do this")
    raise PermissionDeniedException("unknown access rule")

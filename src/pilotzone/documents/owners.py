"""Which rows may own documents. Each domain registers its owner kinds with their object-level rules:
who may see the owner (and so its documents) and who may upload to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pilotzone.auth.principal import Principal


@dataclass(frozen=True)
class OwnerKind:
    visible: Callable[[Principal, int], Awaitable[bool]]  # False also when the row does not exist
    may_upload: Callable[[Principal, int], Awaitable[bool]]
    page: str  # template of the owner's page, re-rendered with the upload error
    context: Callable[[int], Awaitable[dict]]
    # the owner's page, where uploads return: a route name and the name of its id parameter (the
    # other is the tenant's ``slug``), e.g. ("park", "park_id"); None when the route takes only the slug
    route: tuple[str, str | None] | None = None


OWNERS: dict[str, OwnerKind] = {}
UPLOADERS = ("bureau_admin", "park_operator", "enterprise_user")  # roles that may upload at all


def register(kind: str, owner: OwnerKind) -> None:
    OWNERS[kind] = owner

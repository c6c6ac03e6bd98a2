"""Which rows may own documents: kind → (exists check, page to return to). Domains register here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OwnerKind:
    exists: Callable[[int], Awaitable[bool]]
    page: str  # template of the owner's page, re-rendered with the upload error
    context: Callable[[int], Awaitable[dict]]
    url: Callable[[str, int], str]  # (tenant slug, owner id) -> the owner's page, where uploads return


OWNERS: dict[str, OwnerKind] = {}


def register(kind: str, owner: OwnerKind) -> None:
    OWNERS[kind] = owner

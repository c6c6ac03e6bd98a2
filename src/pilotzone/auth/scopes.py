"""What a membership can be narrowed to besides a district: a park or an enterprise of the tenant.

Parks and enterprises are the registry's; auth is infrastructure and imports no domain. The registry
provides a :class:`Directory` (``pilotzone.registry.scopes``) and the composition root registers it
with :func:`use_directory` when it builds the app. RLS scopes every look-up to the current tenant.
"""

from __future__ import annotations

from typing import Any, Protocol


class Directory(Protocol):
    async def active_parks(self) -> list[dict[str, Any]]:
        """The tenant's active parks: id, name_zh, name_en, by id."""
        ...

    async def enterprises(self) -> list[dict[str, Any]]:
        """The tenant's enterprises: id, name, by id."""
        ...

    async def park_exists(self, park_id: int) -> bool: ...

    async def enterprise_exists(self, enterprise_id: int) -> bool: ...


_directory: Directory | None = None


def use_directory(directory: Directory) -> None:
    global _directory
    _directory = directory


def directory() -> Directory:
    if _directory is None:  # fail closed: a grant is never accepted unchecked
        raise RuntimeError("no park/enterprise directory registered (pilotzone.app.wire registers it)")
    return _directory

"""Certification services: schemes (synced from the tenant files, listed for members)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Column

from pilotzone.certification.schemes import SchemeSpec, to_json
from pilotzone.certification.tables import Scheme


async def sync_schemes(schemes: list[SchemeSpec]) -> int:
    """Upsert the current tenant's schemes; a changed spec gets the next version; schemes dropped from
    the file are deactivated (applications keep the version they were made under); schemes made or imported
    in the builder (``source = 'editor'``) are left alone. Returns rows written."""
    existing = {row.key: row for row in await Scheme.objects().output(load_json=True)}
    written = 0
    for spec in schemes:
        data = to_json(spec)
        row = existing.pop(spec.key, None)
        values: dict[str, Any] = {
            "subject": spec.subject,
            "name_zh": spec.name_zh,
            "name_en": spec.name_en,
            "spec": data,
            "active": True,
            "source": "file",
        }
        if row is None:
            await Scheme(key=spec.key, version=1, **values).save()
            written += 1
        elif row.spec != data or not row.active or row.source != "file" or row.name_zh != spec.name_zh or row.name_en != spec.name_en:
            changes: dict[Column | str, Any] = {key: value for key, value in values.items()}
            changes |= {
                "version": row.version + (row.spec != data),
                "updated_at": datetime.now(UTC),
            }
            await Scheme.update(changes).where(Scheme.id == row.id)
            written += 1
    for row in existing.values():
        if row.active and row.source == "file":
            await Scheme.update({Scheme.active: False}).where(Scheme.id == row.id)
            written += 1
    return written


async def active_schemes() -> list[dict]:
    return (
        await Scheme.select(Scheme.key, Scheme.subject, Scheme.name_zh, Scheme.name_en, Scheme.version)
        .where(
            Scheme.active == True  # noqa: E712
        )
        .order_by(Scheme.id)
    )


async def active_scheme_keys() -> set[str]:
    """What a subject can be certified for (``pilotzone.workflow.certifiable``; the root registers it)."""
    rows = await Scheme.select(Scheme.key).where(Scheme.active == True)  # noqa: E712 - a Piccolo expression
    return {r["key"] for r in rows}


async def get_scheme(key: str) -> Scheme | None:
    return (
        await Scheme.objects()
        .where((Scheme.key == key) & (Scheme.active == True))  # noqa: E712 - a Piccolo expression
        .output(load_json=True)
        .first()
    )  # noqa: E712

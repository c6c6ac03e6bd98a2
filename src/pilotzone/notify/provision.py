"""A tenant's own notification texts (``[notify.texts.<event>]`` in its TOML), written by ``tenants
sync`` into ``notify_text`` in that tenant's transaction: the file is the truth (an event no longer
listed goes back to the built-in text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from piccolo.columns import Column

from pilotzone.notify.events import Event
from pilotzone.notify.tables import NotifyText
from pilotzone.notify.texts import TextOverride


async def sync_texts(texts: Mapping[Event, TextOverride]) -> int:
    """Make the current tenant's overrides those of ``texts``; returns how many rows changed."""
    current = {row.event: row for row in await NotifyText.objects()}
    changed = 0
    for event, old in current.items():
        if event not in texts:
            await NotifyText.delete().where(NotifyText.id == old.id)
            changed += 1
    for event, text in texts.items():
        values: dict[str | Column, Any] = {
            "subject_zh": text.subject_zh,
            "body_zh": text.body_zh,
            "subject_en": text.subject_en,
            "body_en": text.body_en,
        }
        row = current.get(event)
        if row is None:
            await NotifyText(event=event, **{str(k): v for k, v in values.items()}).save()
            changed += 1
        elif any(getattr(row, str(k)) != v for k, v in values.items()):
            await NotifyText.update(values).where(NotifyText.id == row.id)
            changed += 1
    return changed

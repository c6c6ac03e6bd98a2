"""What waits for a user, as typed items every domain produces the same way (its ``worklist.py``:
``todos(principal)``) and the composition root puts on the workspace (工作台, ``pilotzone.home``).

A domain names its links by route name and parameters (no request here: the page makes the URL with
``url_for``), its texts already in the page's language, its times in UTC (the page shows them in the
tenant's zone). Lower layers never import a domain, so the domains import this module, never the other
way round.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from pilotzone.codes import Coded

SHOWN = 5  # entries listed under a to-do (the link leads to the full list)


class Section(Coded):
    """Where an item stands on the workspace."""

    TODO = "todo", "待办事项", "To do"
    MINE = "mine", "我的事项", "My items"
    OPEN = "open", "可申报项目", "Open to apply"


class Link(msgspec.Struct, frozen=True):
    """A page by route name, path parameters and query (``url_for(route, **params)`` + ``?query``)."""

    route: str
    params: dict[str, str | int] = {}
    query: dict[str, str] = {}  # the query string (``?scheme=…``)


class WorkEntry(msgspec.Struct, frozen=True):
    """One object under a to-do: what it is, where to act on it, since when it waits, until when."""

    label: str
    link: Link
    state: str = ""  # a state's label (never its code)
    note: str = ""  # the next step, an amount, a scheme's name
    since: datetime | None = None
    due: datetime | None = None


class Todo(msgspec.Struct, frozen=True):
    """One kind of work for the user: its title, how many, the page that lists them, the oldest and
    the nearest deadline, and the first few entries."""

    key: str  # stable: "<domain>.<what>" (tests and the page's ids use it)
    title: str
    count: int
    link: Link
    section: Section = Section.TODO
    oldest: datetime | None = None
    due: datetime | None = None
    entries: tuple[WorkEntry, ...] = ()

    @property
    def age_days(self) -> int | None:
        """Whole days the oldest entry has waited."""
        return None if self.oldest is None else max(0, (now() - self.oldest).days)

    @property
    def days_left(self) -> int | None:
        """Whole days to the nearest deadline (negative: passed)."""
        return None if self.due is None else (self.due - now()).days


def now() -> datetime:
    return datetime.now(UTC)


def todo(
    key: str,
    title: str,
    link: Link,
    entries: list[WorkEntry],
    *,
    section: Section = Section.TODO,
    count: int | None = None,
) -> Todo | None:
    """A to-do from its entries (None when there are none): the count (or ``count`` when the entries
    were cut), the oldest ``since``, the nearest ``due`` and the first :data:`SHOWN` entries."""
    total = len(entries) if count is None else count
    if not total:
        return None
    sinces = [e.since for e in entries if e.since is not None]
    dues = [e.due for e in entries if e.due is not None]
    return Todo(
        key=key,
        title=title,
        count=total,
        link=link,
        section=section,
        oldest=min(sinces) if sinces else None,
        due=min(dues) if dues else None,
        entries=tuple(entries[:SHOWN]),
    )


def compact(items: list[Todo | None]) -> list[Todo]:
    """The to-dos that exist."""
    return [item for item in items if item is not None]

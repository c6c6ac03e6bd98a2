"""The public notice lists (certification's and funding's awards): paged by keyset, searchable, each
request reading at most one page of index entries and rows.

Without a search the list runs from *now* in the order the notices end: ``(notice_until, id)`` after the
last row shown (``after``), so ended notices (their rows keep ``status = 'notice'``: whether a notice
runs follows from its dates) are never read. A search is either a number (the application number: one
row by equality) or the start of the name, read in name order from an index on
``subject_label COLLATE "C"``: under RLS a ``LIKE`` is not leakproof and so never an index condition,
while the text comparisons ``>=`` / ``<`` are (``pg_proc.proleakproof``), so the range is one. Each page
asks for one row more than it shows, to know whether a next page exists; there is no total (counting
80,000 rows per anonymous request is the cost this avoids).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import msgspec

PAGE_SIZE = 20
MAX_QUERY = 100
NAME_END = chr(0x10FFFF)  # greater than every character: prefix || NAME_END bounds the names with that prefix
_SEP = "~"


class NoticeQuery(msgspec.Struct, frozen=True):
    """What one request of a notice list asks for (from ``q`` and ``after``)."""

    q: str = ""
    number: int | None = None  # q was a number: the application with that number
    prefix: str = ""  # q was text: names starting with it
    after_at: datetime | None = None  # browsing: the last row's notice end …
    after_name: str | None = None  # searching by name: the last row's name …
    after_id: int = 0  # … and its id

    @property
    def by_name(self) -> bool:
        return bool(self.prefix)

    @property
    def first_page(self) -> bool:
        return self.after_at is None and self.after_name is None and not self.after_id


def notice_query(q: str | None, after: str | None) -> NoticeQuery:
    """Parse the list's query parameters; anything malformed means the first page."""
    q = " ".join((q or "").split())[:MAX_QUERY]
    number = int(q) if q.isdigit() and len(q) <= 9 else None
    prefix = "" if number is not None else q
    key, _, raw_id = (after or "").rpartition(_SEP)
    try:
        after_id = int(raw_id) if key else 0
    except ValueError:
        key, after_id = "", 0
    if not key or number is not None:
        return NoticeQuery(q=q, number=number, prefix=prefix)
    if prefix:
        return NoticeQuery(q=q, prefix=prefix, after_name=key, after_id=after_id)
    try:
        return NoticeQuery(q=q, after_at=datetime.fromisoformat(key), after_id=after_id)
    except ValueError:
        return NoticeQuery(q=q)


def cursor_of(query: NoticeQuery, row: dict) -> str:
    """The ``after`` value of the page that follows ``row`` (the last row shown)."""
    key = row["subject_label"] if query.by_name else row["notice_until"].isoformat()
    return f"{key}{_SEP}{row['notice_id']}"


def keyset(query: NoticeQuery, alias: str, number: str, first: int) -> tuple[str, str, list]:
    """(WHERE part, ORDER BY, arguments numbered from ``first``) of one page of the ``notice`` rows
    ``alias`` (selected with ``id AS notice_id``: the page's cursor), apart from the kind's own
    conditions; ``number`` is the column holding the application number. Every condition is an index
    condition under RLS."""
    a = alias
    if query.number is not None:
        return f"{a}.{number} = ${first}", f"{a}.id", [query.number]
    if query.by_name:
        name = f'({a}.subject_label COLLATE "C")'
        where = f"{name} >= ${first} AND {name} < ${first + 1}"
        args: list = [query.prefix, query.prefix + NAME_END]
        if query.after_name is not None:
            where += f' AND ({name}, {a}.id) > (${first + 2} COLLATE "C", ${first + 3})'
            args += [query.after_name, query.after_id]
        return where, f"{name}, {a}.id", args
    if query.after_at is None:
        return "true", f"{a}.notice_until, {a}.id", []
    return (
        f"({a}.notice_until, {a}.id) > (${first}, ${first + 1})",
        f"{a}.notice_until, {a}.id",
        [
            query.after_at,
            query.after_id,
        ],
    )


def page_links(base: str, query: NoticeQuery, rows: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """The page's rows (without the extra one) and the links to the first and the next page."""
    links: dict[str, str] = {}
    search = {"q": query.q} if query.q else {}
    if not query.first_page:
        links["first"] = f"{base}?{urlencode(search)}" if search else base
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        links["next"] = f"{base}?{urlencode({**search, 'after': cursor_of(query, rows[-1])})}"
    return rows, links

"""The audit trail: append through ``audit_append()`` (hash-chained per tenant), verify the chains.

Who and where come from the request (principal, request id, IP); the tenant from the transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg

from pilotzone import db
from pilotzone.auth.middleware import request_meta
from pilotzone.auth.principal import current_principal
from pilotzone.tenancy.context import current_context
from pilotzone.web.formats import local_time, zone
from pilotzone.web.render import Page, page_of

_APPEND = "SELECT audit_append($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11)"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


async def record(
    action: str,
    object_type: str = "",
    object_id: object = "",
    before: Any = None,
    after: Any = None,
    note: str = "",
    actor_id: int | None = None,
    actor: str | None = None,
) -> int:
    """Append one row in the current transaction (it commits or rolls back with the change)."""
    ctx = current_context()
    principal = current_principal()
    meta = request_meta()
    rows = await db.fetch(
        _APPEND,
        ctx.tenant_id if ctx else None,
        actor_id if actor_id is not None else principal.user_id,
        actor if actor is not None else principal.label,
        action,
        object_type,
        str(object_id),
        _json(before),
        _json(after),
        meta.request_id if meta else "",
        meta.ip if meta else "",
        note,
    )
    return rows[0][0]


# -- verification --------------------------------------------------------------------------------

# The row hash, the same text as ``AUDIT_HASH`` in migrations/auth/auth_2026_12_05t00_00_01_raw.py
# (that copy is frozen with the migration; tests/unit/test_audit_hash.py proves both give one hash).
# ``{prev}``: the previous hash; ``{t}``: the row (a record or table alias).
AUDIT_HASH = """
encode(sha256(convert_to(concat_ws('|', quote_nullable({prev}), quote_nullable({t}.tenant_id::text),
    quote_nullable(to_char({t}.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')),
    quote_nullable({t}.actor_id::text), quote_nullable({t}.actor), quote_nullable({t}.action),
    quote_nullable({t}.object_type), quote_nullable({t}.object_id), quote_nullable({t}.before::text),
    quote_nullable({t}.after::text), quote_nullable({t}.request_id), quote_nullable({t}.ip),
    quote_nullable({t}.note)), 'UTF8')), 'hex')
"""

HASH_MISMATCH = "hash_mismatch"  # the row's fields (or its prev_hash) were changed after it was written
LINK_MISMATCH = (
    "link_mismatch"  # prev_hash is not the previous row's hash: a row before it is gone (or moved)
)

_CHAIN = (
    "SELECT a.id, a.tenant_id, a.hash, a.prev_hash, "  # noqa: S608 - constant text
    + AUDIT_HASH.format(prev="a.prev_hash", t="a").strip()
    + " AS computed, lag(a.hash) OVER (PARTITION BY a.tenant_id ORDER BY a.id) AS expected_prev"
    " FROM audit_log a WHERE NOT $1::boolean OR a.tenant_id IS NOT DISTINCT FROM $2::int"
)
_PROBLEMS = (
    f"WITH chain AS ({_CHAIN}) "  # noqa: S608 - constant text
    "SELECT c.tenant_id, t.slug, c.id, c.hash <> c.computed AS altered, "
    "c.prev_hash <> coalesce(c.expected_prev, '') AS unlinked, c.expected_prev "
    "FROM chain c LEFT JOIN tenant t ON t.id = c.tenant_id "
    "WHERE c.hash <> c.computed OR c.prev_hash <> coalesce(c.expected_prev, '') "
    "ORDER BY c.tenant_id NULLS FIRST, c.id"
)
_HEADS = (
    "SELECT DISTINCT ON (a.tenant_id) a.tenant_id, t.slug, a.id, a.hash, "
    "count(*) OVER (PARTITION BY a.tenant_id) AS rows "
    "FROM audit_log a LEFT JOIN tenant t ON t.id = a.tenant_id "
    "WHERE NOT $1::boolean OR a.tenant_id IS NOT DISTINCT FROM $2::int "
    "ORDER BY a.tenant_id NULLS FIRST, a.id DESC"
)


def chain_name(tenant_id: int | None, slug: str | None) -> str:
    """How the CLI names a chain: the tenant's slug, or ``province`` for the provincial chain."""
    if tenant_id is None:
        return "province"
    return slug or f"tenant {tenant_id}"


@dataclass(frozen=True, slots=True)
class ChainProblem:
    tenant_id: int | None  # None: the provincial chain
    slug: str | None
    row_id: int
    kind: str  # HASH_MISMATCH | LINK_MISMATCH
    detail: str

    @property
    def chain(self) -> str:
        return chain_name(self.tenant_id, self.slug)


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last row of a chain: record (id, hash) somewhere else to detect a later truncation."""

    tenant_id: int | None
    slug: str | None
    rows: int
    last_id: int
    last_hash: str

    @property
    def chain(self) -> str:
        return chain_name(self.tenant_id, self.slug)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    chains: int
    rows: int
    problems: list[ChainProblem] = field(default_factory=list)
    heads: list[ChainHead] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


class UnknownTenant(LookupError):
    """``verify(slug=...)`` named no tenant."""


async def verify(slug: str | None = None, conn: asyncpg.Connection | None = None) -> VerifyResult:
    """Recompute every hash chain (or only ``slug``'s) in SQL, as the owner (RLS does not hide rows).

    Per row: the stored ``hash`` must equal :data:`AUDIT_HASH` over the stored fields and the stored
    ``prev_hash`` (else a field was changed: ``hash_mismatch``), and ``prev_hash`` must equal the hash
    of the previous row of the same chain (``lag(hash) OVER (PARTITION BY tenant_id ORDER BY id)``),
    ``''`` for the first row (else a row before it was deleted, or rows were re-ordered:
    ``link_mismatch``). A deleted row in the middle or at the start is therefore found at the row after it.

    Limits, by construction of a bare hash chain:
    * Deleting the **last** rows of a chain leaves a shorter chain that is still valid; only a head
      recorded earlier outside the database (``VerifyResult.heads``: last id and hash per chain) shows it.
    * The hash has no secret key: someone with the owner's rights who rewrites a row *and* every later
      row of its chain (recomputing their hashes) leaves a valid chain. The chain catches edits and
      deletions that did not rewrite the rest of it; against a deliberate rewrite only heads kept
      outside the database help.

    Runs in one REPEATABLE READ, READ ONLY transaction (a consistent snapshot while others append),
    or in the caller's transaction if ``conn`` is in one. ``conn`` (an owner connection) is used as
    given; without it one is opened and closed here.
    """
    own = conn is None
    if conn is None:
        with db.owner_role():
            conn = await db.DB.get_new_connection()
    try:
        if conn.is_in_transaction():  # the caller's transaction (and snapshot) it is
            return await _verify(conn, slug)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            return await _verify(conn, slug)
    finally:
        if own:
            await conn.close()


async def _verify(conn: asyncpg.Connection, slug: str | None) -> VerifyResult:
    tenant_id = None
    if slug is not None:
        tenant_id = await conn.fetchval("SELECT id FROM tenant WHERE slug = $1", slug)
        if tenant_id is None:
            raise UnknownTenant(f"no tenant named '{slug}'")
    only = slug is not None
    heads = [
        ChainHead(r["tenant_id"], r["slug"], r["rows"], r["id"], r["hash"])
        for r in await conn.fetch(_HEADS, only, tenant_id)
    ]
    problems = [p for r in await conn.fetch(_PROBLEMS, only, tenant_id) for p in _problems(r)]
    return VerifyResult(chains=len(heads), rows=sum(h.rows for h in heads), problems=problems, heads=heads)


def _problems(row: asyncpg.Record) -> list[ChainProblem]:
    out = []
    where = (row["tenant_id"], row["slug"], row["id"])
    if row["altered"]:
        out.append(
            ChainProblem(
                *where, HASH_MISMATCH, "stored hash does not match the row's fields: the row was changed"
            )
        )
    if row["unlinked"]:
        if row["expected_prev"] is None:
            detail = "the chain's first row links to an earlier row: rows before it were deleted"
        else:
            detail = "prev_hash is not the previous row's hash: a row before it was deleted or altered"
        out.append(ChainProblem(*where, LINK_MISMATCH, detail))
    return out


# -- reading (the audit pages; RLS limits a tenant transaction to its tenant's rows) --------------

PAGE_SIZE = 50
_ROW_COLUMNS = (
    "a.id, a.at, a.tenant_id, a.actor_id, a.actor, a.action, a.object_type, a.object_id, a.before::text AS before, "
    "a.after::text AS after, a.request_id, a.ip, a.note, a.hash, t.slug, t.name_zh, t.name_en"
)


@dataclass(frozen=True, slots=True)
class TrailFilter:
    action: str = ""  # exact
    actor: str = ""  # contains, case-insensitive
    object_type: str = ""
    date_from: date | None = None  # dates in the shown zone (web.formats.zone), both inclusive
    date_to: date | None = None
    tenant_id: int | None = None
    provincial_only: bool = False  # only the provincial chain (tenant_id IS NULL)


def _where(f: TrailFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.provincial_only:
        clauses.append("a.tenant_id IS NULL")
    elif f.tenant_id is not None:
        clauses.append(f"a.tenant_id = {arg(f.tenant_id)}")
    if f.action:
        clauses.append(f"a.action = {arg(f.action)}")
    if f.actor:
        clauses.append(f"a.actor ILIKE {arg(db.contains(f.actor))}")
    if f.object_type:
        clauses.append(f"a.object_type = {arg(f.object_type)}")
    if f.date_from:
        clauses.append(f"a.at >= {arg(datetime.combine(f.date_from, time(), zone()))}")
    if f.date_to and f.date_to < date.max:  # 9999-12-31 bounds nothing (and has no next day)
        clauses.append(f"a.at < {arg(datetime.combine(f.date_to + timedelta(days=1), time(), zone()))}")
    return (" AND ".join(clauses) or "TRUE"), args


async def list_trail(f: TrailFilter, page: int | None, size: int = PAGE_SIZE) -> tuple[Page, list[dict]]:
    """Newest first, one page; each row with its time in Beijing time and its tenant's names."""
    where, args = _where(f)
    n = len(args)
    total = (await db.fetch(f"SELECT count(*) FROM audit_log a WHERE {where}", *args))[0][0]  # noqa: S608
    current = page_of(page, size, total)
    rows = await db.fetch(
        f"SELECT {_ROW_COLUMNS} FROM audit_log a LEFT JOIN tenant t ON t.id = a.tenant_id "  # noqa: S608
        f"WHERE {where} ORDER BY a.id DESC LIMIT ${n + 1} OFFSET ${n + 2}",
        *args,
        current.size,
        current.offset,
    )
    out = []
    for r in rows:
        row = dict(r)
        row["at_local"] = local_time(r["at"], "%Y-%m-%d %H:%M:%S")  # the tenant's zone
        out.append(row)
    return current, out


async def trail_choices(f: TrailFilter) -> dict[str, list[str]]:
    """The actions and object types present (in the chosen scope), for the filter form's lists."""
    where, args = _where(TrailFilter(tenant_id=f.tenant_id, provincial_only=f.provincial_only))
    return {
        column: [
            r[0]
            for r in await db.fetch(
                f"SELECT DISTINCT a.{column} FROM audit_log a WHERE {where} AND a.{column} <> '' ORDER BY 1",  # noqa: S608
                *args,
            )
        ]
        for column in ("action", "object_type")
    }

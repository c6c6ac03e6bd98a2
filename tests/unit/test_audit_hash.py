"""The verifier's hash expression (``pilotzone.auth.audit.AUDIT_HASH``) and the copy frozen in the
migration that wrote ``audit_append()`` give the same hash, so they cannot drift apart unnoticed."""

from __future__ import annotations

import hashlib
import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from pilotzone.auth import audit

ROOT = Path(__file__).resolve().parents[2]
MIGRATION = ROOT / "migrations/auth/auth_2026_12_05t00_00_01_raw.py"

SAMPLES = [
    {  # a backslash and a quote: quote_literal's E'' form
        "prev": "ab" * 32,
        "tenant_id": 3,
        "at": datetime(2026, 11, 23, 1, 2, 3, 4, tzinfo=UTC),
        "actor_id": 1,
        "actor": "o'brien",
        "action": "x",
        "object_type": "t",
        "object_id": "C:\\path",
        "before": None,
        "after": None,
        "request_id": "",
        "ip": "",
        "note": "",
    },
    {  # a tenant row with every field set, Chinese text and a '|' inside a field
        "prev": "9f" * 32,
        "tenant_id": 7,
        "at": datetime(2026, 11, 23, 8, 5, 1, 123456, tzinfo=UTC),
        "actor_id": 42,
        "actor": "admin.guangzhou@demo.pilotzone.cn",
        "action": "document.uploaded",
        "object_type": "document",
        "object_id": "17",
        "before": '{"name": "旧名称"}',
        "after": '{"name": "新|名称", "size": 10}',
        "request_id": "0123456789abcdef",
        "ip": "203.0.113.9",
        "note": "说明",
    },
    {  # the first row of the provincial chain: no previous hash, no tenant, no actor id, no JSON
        "prev": "",
        "tenant_id": None,
        "at": datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        "actor_id": None,
        "actor": "",
        "action": "login.failed",
        "object_type": "user",
        "object_id": "nobody@example.cn",
        "before": None,
        "after": None,
        "request_id": "",
        "ip": "",
        "note": "ip=127.0.0.1",
    },
]

_ROW = (
    "(SELECT $2::int AS tenant_id, $3::timestamptz AS at, $4::int AS actor_id, $5::text AS actor, "
    "$6::text AS action, $7::text AS object_type, $8::text AS object_id, $9::jsonb AS before, "
    "$10::jsonb AS after, $11::text AS request_id, $12::text AS ip, $13::text AS note) r"
)


def migration_hash_text() -> str:
    spec = importlib.util.spec_from_file_location("audit_migration_under_test", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.AUDIT_HASH


def _args(sample: dict) -> list:
    keys = (
        "prev",
        "tenant_id",
        "at",
        "actor_id",
        "actor",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "request_id",
        "ip",
        "note",
    )
    return [sample[k] for k in keys]


def _quoted(value: str | None) -> str:
    """PostgreSQL's quote_nullable(): every field is a quoted literal, so '|' inside one is not a separator."""
    if value is None:
        return "NULL"
    text = value.replace("'", "''")
    return f"E'{text.replace(chr(92), chr(92) * 2)}'" if chr(92) in value else f"'{text}'"


def reference_hash(sample: dict) -> str:
    """The expression in Python, as documentation of what is hashed (each field quoted, UTC microseconds)."""
    parts = [
        sample["prev"],
        None if sample["tenant_id"] is None else str(sample["tenant_id"]),
        sample["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        None if sample["actor_id"] is None else str(sample["actor_id"]),
        sample["actor"],
        sample["action"],
        sample["object_type"],
        sample["object_id"],
        sample["before"],
        sample["after"],
        sample["request_id"],
        sample["ip"],
        sample["note"],
    ]
    return hashlib.sha256("|".join(_quoted(p) for p in parts).encode()).hexdigest()


async def test_migration_and_verifier_expressions_give_one_hash(owner: asyncpg.Connection) -> None:
    frozen = migration_hash_text().format(prev="$1::text", t="r")
    ours = audit.AUDIT_HASH.format(prev="$1::text", t="r")
    for sample in SAMPLES:
        row = await owner.fetchrow(f"SELECT {frozen} AS frozen, {ours} AS ours FROM {_ROW}", *_args(sample))  # noqa: S608
        assert row["frozen"] == row["ours"]
        assert len(row["ours"]) == 64
        assert row["ours"] == reference_hash(sample)


async def test_the_installed_function_hashes_with_the_verifiers_expression(owner: asyncpg.Connection) -> None:
    """The database's audit_append() (not only the migration file) carries the verifier's expression."""
    source = await owner.fetchval("SELECT prosrc FROM pg_proc WHERE proname = 'audit_append'")
    assert audit.AUDIT_HASH.format(prev="v_row.prev_hash", t="v_row").strip() in source


def test_the_hash_covers_every_column_but_id_and_the_hashes() -> None:
    """A column added to audit_log and left out of the hash could be changed undetected."""
    from pilotzone.auth.tables import AuditLog

    columns = {c._meta.db_column_name for c in AuditLog._meta.columns} - {"id", "prev_hash", "hash"}
    text = audit.AUDIT_HASH
    assert {c for c in columns if "{t}." + c not in text} == set()


async def test_moving_a_separator_between_fields_changes_the_hash(owner: asyncpg.Connection) -> None:
    ours = audit.AUDIT_HASH.format(prev="$1::text", t="r")
    first = {**SAMPLES[-1], "actor": "a|b", "action": "c"}
    second = {**SAMPLES[-1], "actor": "a", "action": "b|c"}
    sql = f"SELECT {ours} AS h FROM {_ROW}"  # noqa: S608 - constant text
    hashes = [(await owner.fetchrow(sql, *_args(s)))["h"] for s in (first, second)]
    assert hashes[0] != hashes[1]

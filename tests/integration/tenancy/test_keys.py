"""The schema a distributed PostgreSQL (Citus, distribution column ``tenant_id``) accepts, checked over
the live catalogue: tenant in every primary and unique key and in every foreign key between tenant
tables; every column that points at a row is a foreign key; the keys are those the tables declare."""

from __future__ import annotations

import asyncpg
import pytest

from pilotzone.tenancy.keys import CATALOGUE, REFERENCE_TABLES, _foreign, all_keys, citus_statements, plan
from pilotzone.tenancy.tables import tenant_tables

# integer columns that name a row but are no foreign key, and why
NOT_KEYS = {
    ("document", "owner_id"): "polymorphic: the table is named by owner_kind",
    ("submission", "subject_id"): "polymorphic: the table is named by subject_kind",
    ("pz_session", "membership_id"): "a global row cannot reference a distributed one",
    ("audit_log", "tenant_id"): "a record of where, kept as signed (NULL: the provincial chain)",
    ("audit_log", "actor_id"): "a record of who, kept as signed when the user is deleted",
}
# columns named after what they point at, beyond *_id, *_by and the name of a table
REFERENCE_NAMES = {"applicant_enterprise", "applicant_park", "renews", "pdf_document", "current_version"}
REFERENCE_NAMES |= {"entry", "employer", "user", "client"}  # client: an api_client


def _names() -> list[str]:
    return [t._meta.tablename for t in tenant_tables()]


async def test_every_primary_and_unique_key_of_a_tenant_table_includes_tenant_id(
    owner: asyncpg.Connection,
) -> None:
    rows = await owner.fetch(
        """
        SELECT t.relname, i.relname AS index, x.indisprimary,
               array(SELECT a.attname::text FROM unnest(x.indkey) k JOIN pg_attribute a
                      ON a.attrelid = t.oid AND a.attnum = k) AS cols
          FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indisunique AND t.relname = ANY($1::text[])
        """,
        _names(),
    )
    assert rows
    primary = {r["relname"]: r["cols"] for r in rows if r["indisprimary"]}
    assert primary == {name: ["tenant_id", "id"] for name in _names()}
    without = [(r["relname"], r["index"]) for r in rows if "tenant_id" not in r["cols"]]
    assert without == []


async def test_every_foreign_key_between_tenant_tables_includes_tenant_id(owner: asyncpg.Connection) -> None:
    rows = await owner.fetch(
        """
        SELECT c.conname, t.relname AS source, f.relname AS target, c.confdeltype::text AS on_delete,
               c.confupdtype::text AS on_update,
               array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
               array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS refs
          FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class f ON f.oid = c.confrelid
         WHERE c.contype = 'f' AND t.relnamespace = 'public'::regnamespace
        """
    )
    tenant = set(_names())
    between = [r for r in rows if r["source"] in tenant and r["target"] in tenant]
    assert len(between) > 30
    for r in between:
        # tenant_id at the same place on both sides, the rest pointing at the key (tenant_id, id)
        assert r["cols"][0] == "tenant_id" and r["refs"] == ["tenant_id", "id"], r["conname"]
        # Citus: no SET NULL / SET DEFAULT on delete, no cascade on update, when the key holds tenant_id
        assert r["on_delete"] in ("a", "r", "c") and r["on_update"] in ("a", "r"), r["conname"]
    for r in rows:
        assert not (r["source"] not in tenant and r["target"] in tenant), r["conname"]  # global → tenant
        if r["source"] in tenant and r["target"] not in tenant:
            assert r["target"] in REFERENCE_TABLES, r["conname"]  # Citus reference tables
            if "tenant_id" in r["cols"]:
                assert r["on_update"] in ("a", "r"), r["conname"]


async def test_every_column_that_names_a_row_is_a_foreign_key(owner: asyncpg.Connection) -> None:
    tables = {r["relname"] for r in await owner.fetch("SELECT relname FROM pg_class WHERE relkind = 'r'")}
    columns = await owner.fetch(
        """
        SELECT c.table_name, c.column_name FROM information_schema.columns c
         WHERE c.table_schema = 'public' AND c.data_type IN ('integer', 'bigint') AND c.table_name <> 'migration'
        """
    )
    keyed = {
        (r["relname"], r["attname"])
        for r in await owner.fetch(
            """
            SELECT t.relname, a.attname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
             WHERE c.contype = 'f'
            """
        )
    }
    names = [
        (r["table_name"], r["column_name"])
        for r in columns
        if r["column_name"] != "id"
        and (
            r["column_name"].endswith(("_id", "_by"))
            or r["column_name"] in tables
            or r["column_name"] in REFERENCE_NAMES
        )
    ]
    assert len(names) > 60
    missing = sorted(set(names) - keyed - set(NOT_KEYS))
    assert missing == []
    assert set(NOT_KEYS) <= set(names)  # every exception still exists (and still has no key)
    assert not set(NOT_KEYS) & keyed


async def test_the_keys_in_the_database_are_those_the_tables_declare(owner: asyncpg.Connection) -> None:
    assert plan(await owner.fetch(CATALOGUE), all_keys()) == []
    comments = await owner.fetchval(
        "SELECT count(*) FROM pg_description WHERE description LIKE 'pilotzone.tenancy.keys %'"
    )
    assert comments == len(all_keys())


async def test_a_row_cannot_point_into_another_tenant(owner: asyncpg.Connection, tenants: dict) -> None:
    """Enforced by the database (the owner bypasses RLS): an enterprise of one city with the park of another."""
    park = await owner.fetchval("SELECT id FROM park WHERE tenant_id = $1 LIMIT 1", tenants["guangzhou"])
    other = next(t for slug, t in tenants.items() if slug != "guangzhou")
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="enterprise_park_fkey"):
        await owner.execute(
            "INSERT INTO enterprise (tenant_id, name, uscc, park) VALUES ($1, '越界', '91440000MA00000001', $2)",
            other,
            park,
        )


def test_set_null_between_tenant_tables_is_refused() -> None:
    """Citus refuses SET NULL on a key that holds the distribution column: so does the generator."""
    with pytest.raises(ValueError, match="SET NULL"):
        _foreign("certificate", "renewed_by", "certificate", "SET NULL", None, tenant=True)
    made = _foreign("certificate", "renewed_by", "certificate", "RESTRICT", None, tenant=True)
    assert 'FOREIGN KEY (tenant_id, "renewed_by") REFERENCES "certificate" (tenant_id, id)' in made.sql
    to_user = _foreign("review_step", "reviewer_id", "pz_user", "SET NULL", "CASCADE", tenant=False)
    assert 'FOREIGN KEY ("reviewer_id") REFERENCES "pz_user" (id) ON DELETE SET NULL' in to_user.sql


async def test_the_move_to_citus_places_every_table(owner: asyncpg.Connection) -> None:
    """Each table of the database is distributed, a reference table or kept on the coordinator, once."""
    placed = [s.split("('")[1].split("'")[0] for s in citus_statements() if s.startswith("SELECT ")]
    tables = await owner.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
    )
    assert sorted(placed) == sorted(r["relname"] for r in tables)
    distributed = [s for s in citus_statements() if "create_distributed_table" in s]
    assert len(distributed) == len(_names())
    assert REFERENCE_TABLES == ("tenant", "pz_user") and set(REFERENCE_TABLES) <= set(placed)

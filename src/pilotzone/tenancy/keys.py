"""The keys of every tenant table, generated from the table classes (no hand-written companion).

For each :class:`~pilotzone.tenancy.tables.TenantTable` (what Citus needs to distribute it by
``tenant_id``, see the README's "Scaling out"):

* primary key ``(tenant_id, id)`` (Piccolo keeps ``id`` as its key column);
* a unique key ``(tenant_id, column)`` for each Piccolo column declared ``unique=True``, and the
  ``Unique`` keys of its ``keys`` attribute (``tenant_id`` first);
* a foreign key for each ``ForeignKey`` column: ``(tenant_id, column) → target (tenant_id, id)`` when
  the target is a tenant table too (a row can never point into another city), ``column → target (id)``
  otherwise (a global table: tenant, pz_user); and one per ``Ref`` of its ``keys`` attribute.

``pilotzone migrate`` runs :func:`apply_keys` after the Piccolo migrations (and before the RLS
statements). It is idempotent: each key carries a comment with the hash of its definition; a key
whose name exists without that comment (Piccolo's single-column versions, an older definition) is
dropped and made again, so a changed declaration reaches every database on the next migrate.
Piccolo's own migrations reference ``table (id)``: :func:`open_for_migrations` gives every tenant
table a temporary unique index on ``id`` while Piccolo migrations are pending.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import asyncpg
from piccolo.columns import ForeignKey, OnDelete
from piccolo.conf.apps import Finder

from pilotzone.tenancy.tables import Index, Ref, TenantTable, Unique, tenant_tables

MARK = "pilotzone.tenancy.keys "
ON_DELETE = {
    OnDelete.cascade: "CASCADE",
    OnDelete.restrict: "RESTRICT",
    OnDelete.no_action: "NO ACTION",
    OnDelete.set_null: "SET NULL",
    OnDelete.set_default: "SET DEFAULT",
}
# a foreign key that includes the distribution column may neither set it NULL on delete nor
# cascade an update (Citus refuses the key)
TENANT_FK_ACTIONS = ("CASCADE", "RESTRICT", "NO ACTION")


@dataclass(frozen=True)
class Key:
    """One generated key: ``kind`` p (primary), u (unique constraint), x (unique index), f (foreign),
    i (plain index)."""

    table: str
    name: str
    kind: str
    sql: str

    @property
    def mark(self) -> str:
        return MARK + hashlib.sha256(self.sql.encode()).hexdigest()[:16]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _part(part: str) -> str:
    return _q(part) if part.isidentifier() else part


def _unique(table: str, unique: Unique) -> Key:
    parts = ", ".join(_part(p) for p in ("tenant_id", *unique.parts))
    if unique.where is None and all(p.isidentifier() for p in unique.parts):
        sql = f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(unique.name)} UNIQUE ({parts})"
        return Key(table, unique.name, "u", sql)
    where = f" WHERE {unique.where}" if unique.where else ""
    return Key(
        table, unique.name, "x", f"CREATE UNIQUE INDEX {_q(unique.name)} ON {_q(table)} ({parts}){where}"
    )


def _index(table: str, index: Index) -> Key:
    include = f" INCLUDE ({', '.join(_part(p) for p in index.include)})" if index.include else ""
    where = f" WHERE {index.where}" if index.where else ""
    parts = ", ".join(_part(p) for p in index.parts)
    return Key(
        table, index.name, "i", f"CREATE INDEX {_q(index.name)} ON {_q(table)} ({parts}){include}{where}"
    )


def _foreign(
    table: str, column: str, target: str, on_delete: str, on_update: str | None, tenant: bool
) -> Key:
    name = f"{table}_{column}_fkey"  # Piccolo's own name, so its later migrations find the key
    if tenant:
        if on_delete not in TENANT_FK_ACTIONS:
            raise ValueError(f"{table}.{column}: ON DELETE {on_delete} is not allowed between tenant tables")
        cols, refs, update = f"tenant_id, {_q(column)}", "tenant_id, id", ""
    else:
        cols, refs, update = _q(column), "id", f" ON UPDATE {on_update}" if on_update else ""
    sql = (
        f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} FOREIGN KEY ({cols}) "
        f"REFERENCES {_q(target)} ({refs}) ON DELETE {on_delete}{update}"
    )
    return Key(table, name, "f", sql)


def table_keys(table: type[TenantTable]) -> list[Key]:
    """The keys of one tenant table, from its class."""
    name = table._meta.tablename
    tenant_names = {t._meta.tablename for t in tenant_tables()}
    keys = [
        Key(
            name,
            f"{name}_pkey",
            "p",
            f"ALTER TABLE {_q(name)} ADD CONSTRAINT {_q(name + '_pkey')} PRIMARY KEY (tenant_id, id)",
        )
    ]
    for column in table._meta.columns:
        if column._meta.unique and not column._meta.primary_key:
            col = column._meta.db_column_name
            keys.append(_unique(name, Unique(f"{name}_{col}_key", (col,))))
    for declared in table.keys:
        if isinstance(declared, Unique):
            keys.append(_unique(name, declared))
        elif isinstance(declared, Index):
            keys.append(_index(name, declared))
    for column in table._meta.foreign_key_columns:
        assert isinstance(column, ForeignKey)
        meta = column._foreign_key_meta
        target = meta.resolved_references._meta.tablename
        col = column._meta.db_column_name
        tenant = target in tenant_names and col != "tenant_id"
        update = None if tenant else meta.on_update.value.upper()
        keys.append(_foreign(name, col, target, ON_DELETE[meta.on_delete], update, tenant))
    for declared in table.keys:
        if isinstance(declared, Ref):
            tenant = declared.table in tenant_names
            keys.append(
                _foreign(name, declared.column, declared.table, declared.on_delete.upper(), None, tenant)
            )
    return keys


def _tenant_tables() -> list[type[TenantTable]]:
    Finder().get_table_classes()  # every app's tables module imported, so tenant_tables() finds all
    return tenant_tables()


def all_keys() -> list[Key]:
    """Every generated key: primary keys first, then unique keys, foreign keys, plain indexes."""
    order = {"p": 0, "u": 1, "x": 1, "f": 2, "i": 3}
    keys = [k for t in _tenant_tables() for k in table_keys(t)]
    return sorted(keys, key=lambda k: (order[k.kind], k.table, k.name))


CATALOGUE = """
SELECT t.relname AS table, c.conname AS name, c.contype::text AS kind,
       obj_description(c.oid, 'pg_constraint') AS comment
  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
 WHERE t.relnamespace = 'public'::regnamespace AND c.contype IN ('p', 'u', 'f')
UNION ALL
SELECT t.relname, i.relname, CASE WHEN x.indisunique THEN 'x' ELSE 'i' END, obj_description(i.oid, 'pg_class')
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
 WHERE t.relnamespace = 'public'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))
"""


def _drop(table: str, name: str, kind: str) -> str:
    if kind in ("x", "i"):
        return f"DROP INDEX {_q(name)}"
    return f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(name)}"


def plan(existing: list[asyncpg.Record], keys: list[Key]) -> list[str]:
    """The statements that turn the ``existing`` catalogue rows into ``keys`` (drops first:
    foreign keys, unique keys, primary keys; then creations in the order of ``keys``)."""
    found = {(r["table"], r["name"]): r for r in existing}
    by_name = {r["name"]: r for r in existing if r["kind"] in ("x", "i")}
    drops: dict[str, list[str]] = {"f": [], "u": [], "p": []}
    creates: list[str] = []
    for key in keys:
        row = found.get((key.table, key.name)) or (by_name.get(key.name) if key.kind != "f" else None)
        if row is not None and row["comment"] == key.mark and row["kind"] == key.kind:
            continue
        if row is not None:
            drops["f" if row["kind"] == "f" else "p" if row["kind"] == "p" else "u"].append(
                _drop(row["table"], key.name, row["kind"])
            )
        creates.append(key.sql)
        index = key.kind in ("x", "i")
        target = "INDEX" if index else f"CONSTRAINT {_q(key.name)} ON"
        name = _q(key.name) if index else _q(key.table)
        creates.append(f"COMMENT ON {target} {name} IS '{key.mark}'")
    return drops["f"] + drops["u"] + drops["p"] + creates


async def open_for_migrations(conn: asyncpg.Connection) -> None:
    """Before Piccolo migrations run against keyed tables: a unique index on ``id`` alone in every
    tenant table, which Piccolo's ``REFERENCES table (id)`` needs (removed by :func:`apply_keys`)."""
    for table in _tenant_tables():
        name = table._meta.tablename
        if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f'public."{name}"'):
            await conn.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {_q(name + '_id_open')} ON {_q(name)} (id)"
            )


async def apply_keys(conn: asyncpg.Connection) -> list[str]:
    """Make the database's keys those of :func:`all_keys`; returns the statements it ran."""
    keys = all_keys()
    async with conn.transaction():
        existing = await conn.fetch(CATALOGUE)
        statements = plan(existing, keys)
        open_indexes = [r for r in existing if r["kind"] == "x" and r["name"].endswith("_id_open")]
        # Piccolo's single-column foreign keys into a tenant table hang on the temporary index or the
        # old primary key: they are replaced before either goes
        statements += [f"DROP INDEX {_q(r['name'])}" for r in open_indexes]
        for sql in statements:
            await conn.execute(sql)
    return statements


# ---------------------------------------------------------------- the move to Citus (README: "Scaling out")

REFERENCE_TABLES = ("tenant", "pz_user")  # tenant tables point at them: copied to every node
# global tables no tenant table points at: they stay on the coordinator (they may point at reference tables)
COORDINATOR_TABLES = (
    "user_identity",
    "pz_session",
    "login_failure",
    "one_time_token",
    "audit_log",
    "migration",
)


def citus_statements() -> list[str]:
    """What a deployment runs (as the owner, on the Citus coordinator) to distribute the schema by
    ``tenant_id``. The keys between tenant tables go first (some tables point at each other, so no
    order of ``create_distributed_table`` would do) and ``pilotzone migrate`` makes them again."""
    keys = [k for k in all_keys() if k.kind == "f" and "(tenant_id, " in k.sql]
    out = [f"ALTER TABLE {_q(k.table)} DROP CONSTRAINT {_q(k.name)}" for k in keys]
    out += [f"SELECT create_reference_table('{name}')" for name in REFERENCE_TABLES]
    out += [f"SELECT citus_add_local_table_to_metadata('{name}')" for name in COORDINATOR_TABLES]
    names = [t._meta.tablename for t in _tenant_tables()]
    out += [f"SELECT create_distributed_table('{names[0]}', 'tenant_id')"]
    out += [
        f"SELECT create_distributed_table('{n}', 'tenant_id', colocate_with => '{names[0]}')"
        for n in names[1:]
    ]
    return out


if __name__ == "__main__":
    print(";\n".join(citus_statements()) + ";")

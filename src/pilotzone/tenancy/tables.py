"""The Tenant table and the TenantTable base that every tenant-owned table inherits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from piccolo.columns import JSONB, Boolean, ForeignKey, Integer, OnDelete, OnUpdate, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

if TYPE_CHECKING:
    import piccolo.table
    from piccolo.columns import Serial

    class Table(piccolo.table.Table):
        """For type checkers only: Piccolo gives every table it creates an ``id`` (a Serial, unless the
        table declares its own primary key), which it adds at run time where no checker sees it."""

        id: Serial
else:
    from piccolo.table import Table

from pilotzone.db import DB
from pilotzone.tenancy.context import current_tenant_id


class Tenant(Table, db=DB):
    """A city pilot zone. Global (no RLS): the landing page lists them; province admins manage them."""

    slug = Varchar(length=40, unique=True)
    sort_order = Integer(default=100)
    name_zh = Varchar(length=100)
    name_en = Varchar(length=100)
    zone_zh = Varchar(length=200)
    zone_en = Varchar(length=300)
    approved_year = Integer(null=True, default=None)
    bureau_zh = Varchar(length=200)
    bureau_en = Varchar(length=300)
    primary_colour = Varchar(length=7, default="#0b4f8a")
    accent_colour = Varchar(length=7, default="#b3261e")
    time_zone = Varchar(length=64, default="Asia/Shanghai")  # IANA zone: pages and exports show times in it
    districts = JSONB(default=[])
    sources = JSONB(default=[])
    oidc = JSONB(default=[])  # the city's own OpenID providers ([[oidc]] in its TOML; no secrets)
    source_file = Varchar(length=200, default="")
    active = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())


@dataclass(frozen=True)
class Unique:
    """A unique key of a tenant table, declared once on the class (``keys = (Unique(...), ...)``).

    ``tenant_id`` comes first by itself; ``parts`` are column names or SQL expressions
    (``"coalesce(park, 0)"``); ``where`` makes it a partial unique index. ``pilotzone migrate``
    creates it (see :mod:`pilotzone.tenancy.keys`)."""

    name: str
    parts: tuple[str, ...]
    where: str | None = None


@dataclass(frozen=True)
class Index:
    """A plain index of a tenant table, declared on the class. ``parts`` are written out in full
    (``tenant_id`` first by convention, not by force), e.g. ``("tenant_id", "status", "id")`` or
    ``'(subject_label COLLATE "C")'``; ``include`` and ``where`` as in ``CREATE INDEX``."""

    name: str
    parts: tuple[str, ...]
    where: str | None = None
    include: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ref:
    """A reference Piccolo cannot declare without an import or migration cycle (``registry`` rows
    naming a user: auth imports registry; ``tenant_snapshot.run_id``: jobs migrate after tenancy).
    ``migrate`` adds the key: ``(tenant_id, column) → table (tenant_id, id)`` to a tenant table
    (``on_delete`` NO ACTION, RESTRICT or CASCADE), ``column → table (id)`` to a global one."""

    column: str
    table: str
    on_delete: str = "NO ACTION"  # checked at the end of the statement (rows that point at each other)


class TenantTable(Table, db=DB, tags=["abstract"]):
    """Base of every tenant-owned table: ``tenant_id`` NOT NULL, indexed, covered by RLS, first in
    the primary key ``(tenant_id, id)``, in every unique key and in every foreign key to another
    tenant table (all generated from the table classes by :mod:`pilotzone.tenancy.keys`).

    A new row takes the tenant of the current context when none is given; with no tenant in
    context the insert carries NULL and the database refuses it (fail closed).
    """

    tenant = ForeignKey(
        Tenant,
        null=False,
        index=True,
        db_column_name="tenant_id",
        on_delete=OnDelete.restrict,
        on_update=OnUpdate.restrict,  # a distributed table's key never cascades an update (Citus)
    )
    # unique keys, indexes and references beyond Piccolo's ForeignKey columns (Unique, Index, Ref)
    keys: ClassVar[tuple[Unique | Index | Ref, ...]] = ()

    def __init__(
        self,
        _data: dict | None = None,
        _ignore_missing: bool = False,
        _exists_in_db: bool = False,
        **kwargs: Any,
    ):
        if not _exists_in_db and "tenant" not in kwargs and not (_data and TenantTable.tenant in _data):
            tenant_id = current_tenant_id(required=False)
            if tenant_id is not None:
                kwargs["tenant"] = tenant_id
        super().__init__(_data=_data, _ignore_missing=_ignore_missing, _exists_in_db=_exists_in_db, **kwargs)


def tenant_tables() -> list[type[TenantTable]]:
    """Every concrete tenant table, found by inheritance (RLS and snapshots iterate over this)."""
    found: list[type[TenantTable]] = []
    stack = list(TenantTable.__subclasses__())
    while stack:
        table = stack.pop()
        if "abstract" not in table._meta.tags:  # shared columns (workflow.tables): no table of their own
            found.append(table)
        stack.extend(table.__subclasses__())
    return sorted(found, key=lambda t: t._meta.tablename)


class TenantSnapshot(TenantTable, db=DB):
    """Row counts of every tenant table, taken by the snapshot job; the province page reads the latest."""

    run_id = Integer(null=True, default=None)  # the job run (tenancy migrates before jobs: a Ref)
    counts = JSONB(default={})
    taken_at = Timestamptz(default=TimestamptzNow())

    keys = (Ref("run_id", "job_run"), Index("tenant_snapshot_latest", ("tenant_id", "taken_at DESC")))

"""Registry tables. Parks come from the tenant TOML (source='policy') or are created by the bureau."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.registry.codes import ParkKind
from pilotzone.tenancy.tables import Index, Ref, TenantTable, Unique

PARK_KINDS = tuple(ParkKind)


class Park(TenantTable, db=DB):
    """A park or zone of a tenant. ``key`` is unique per tenant."""

    key = Varchar(length=80)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=300, default="")
    kind = Varchar(length=40, choices=ParkKind)
    district_code = Varchar(length=12, default="")
    note_zh = Text(default="")
    note_en = Text(default="")
    status = Varchar(length=20, default="active")  # active | retired | pending | rejected
    source = Varchar(length=20, default="policy")  # policy | bureau | registration
    operator = Varchar(length=200, default="")  # 运营主体
    address = Varchar(length=300, default="")
    area = Numeric(digits=(12, 2), null=True, default=None)  # m²
    contact_name = Varchar(length=100, default="")
    contact_phone = Varchar(length=30, default="")
    contact_email = Varchar(length=254, default="")
    registration_ip = Varchar(length=64, default="")  # self-registrations: the per-IP rate limit
    reject_reason = Text(default="")
    decided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("park_tenant_key", ("key",)),
        Index("park_tenant_name", ("tenant_id", "name_zh", "id")),
        # the list counts by status and takes its page of ids from this index (the RLS tenant test is an
        # index condition; only the rows shown are read)
        Index("park_tenant_status_id", ("tenant_id", "status", "id")),
        Index("park_tenant_registration_ip", ("tenant_id", "registration_ip", "created_at")),
    )


class Enterprise(TenantTable, db=DB):
    """An enterprise of a tenant: registered by the bureau (active) or by itself (pending → active | rejected)."""

    name = Varchar(length=200)
    uscc = Varchar(length=18)  # 统一社会信用代码, unique per tenant
    park = ForeignKey(Park, null=True, default=None, on_delete=OnDelete.restrict)
    district_code = Varchar(length=12, default="")
    credit_status = Varchar(length=20, default="normal")
    status = Varchar(length=20, default="active")  # active | pending | rejected
    source = Varchar(length=20, default="bureau")  # bureau | registration
    business_scope = Text(default="")  # 经营范围
    contact_name = Varchar(length=100, default="")
    contact_phone = Varchar(length=30, default="")
    contact_email = Varchar(length=254, default="")
    registration_ip = Varchar(length=64, default="")
    reject_reason = Text(default="")
    decided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        # a rejected registration keeps its row (and reason) without blocking a corrected one
        Unique("enterprise_tenant_uscc", ("uscc",), where="status <> 'rejected'"),
        Index("enterprise_tenant_park", ("tenant_id", "park")),
        Index("enterprise_tenant_district", ("tenant_id", "district_code")),
        Index("enterprise_tenant_status", ("tenant_id", "status", "id")),
        Index("enterprise_tenant_registration_ip", ("tenant_id", "registration_ip", "created_at")),
    )


class EnterpriseSearchGram(TenantTable, db=DB):
    """One 2- or 3-character gram of an enterprise's ``search_text`` (unique per tenant, gram and
    enterprise).

    Kept exact by the database: a trigger on ``enterprise`` (insert, update of name / credit code,
    delete) writes and removes the rows (the raw registry migration). The list looks candidates up
    by ``gram = ANY(…)``, an equality that RLS lets use the index (``LIKE`` is not leakproof, so
    under RLS it is never an index condition). The foreign key cascades: deleting an enterprise
    (rare) removes its grams even before the trigger does.
    """

    gram = Varchar(length=3)
    enterprise_id = ForeignKey(Enterprise, null=False, on_delete=OnDelete.cascade)

    keys = (Unique("enterprise_search_gram_key", ("gram", "enterprise_id")),)


WAREHOUSE_SERVICES = ("storage", "last_mile", "returns", "repair", "public_service")
TALENT_CATEGORIES = ("leading_talent", "shortage_occupation", "high_skill")


class OverseasWarehouse(TenantTable, db=DB):
    """An overseas warehouse (海外仓) run by an enterprise of the tenant; ``pending`` until a bureau accepts."""

    enterprise = ForeignKey(Enterprise, null=False, on_delete=OnDelete.restrict)
    country = Varchar(length=2)  # ISO 3166-1 alpha-2
    city = Varchar(length=100)
    address = Varchar(length=300)
    floor_area = Numeric(digits=(12, 2))  # m², > 0
    services = JSONB(default=[])  # codes from WAREHOUSE_SERVICES
    wms_integrated = Boolean(default=False)
    status = Varchar(length=20, default="pending")
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Index("overseas_warehouse_tenant_enterprise", ("tenant_id", "enterprise")),
        Index("overseas_warehouse_tenant_status", ("tenant_id", "status", "id")),
    )


class Talent(TenantTable, db=DB):
    """A talent employed by an enterprise; ``id_number`` (PRC resident ID) is unique per tenant."""

    name = Varchar(length=100)
    id_number = Varchar(length=18)
    employer = ForeignKey(Enterprise, null=False, on_delete=OnDelete.restrict)
    category = Varchar(length=40)
    status = Varchar(length=20, default="pending")
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("talent_tenant_id_number", ("id_number",)),
        Index("talent_tenant_employer", ("tenant_id", "employer")),
        Index("talent_tenant_status", ("tenant_id", "status", "id")),
    )


class NegativeListEntry(TenantTable, db=DB):
    """An enterprise on the credit negative list (信用负面清单) from ``valid_from`` to ``valid_until``
    (open-ended when NULL); a bureau administrator may end it early (``ended_on``: no longer applies
    from that day on)."""

    enterprise = ForeignKey(Enterprise, null=False, on_delete=OnDelete.restrict)
    reason = Text()
    source = Varchar(length=200)  # e.g. 海关失信企业名单, 法院判决
    valid_from = Date()
    valid_until = Date(null=True, default=None)
    created_by = Integer(null=True, default=None)  # pz_user id (a Ref: auth imports this module)
    created_at = Timestamptz(default=TimestamptzNow())
    ended_on = Date(null=True, default=None)
    ended_by = Integer(null=True, default=None)
    end_reason = Text(default="")

    keys = (
        Ref("created_by", "pz_user", on_delete="SET NULL"),
        Ref("ended_by", "pz_user", on_delete="SET NULL"),
        Index("negative_list_entry_tenant_enterprise", ("tenant_id", "enterprise")),
    )

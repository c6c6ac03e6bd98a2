"""Identity tables. Users, sessions and one-time tokens are global (a user may belong to several
tenants, province users to none); memberships are tenant rows; the audit log carries a nullable tenant."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.combination import Combinable
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference

# re-exported (defined with Role in auth/roles.py)
from pilotzone.auth.roles import PROVINCE_ROLES as PROVINCE_ROLES
from pilotzone.auth.roles import TENANT_ROLES as TENANT_ROLES
from pilotzone.auth.roles import Role
from pilotzone.db import DB
from pilotzone.tenancy.tables import Index, Table, Tenant, TenantTable, Unique

# A membership may be narrowed to a park or an enterprise: registry rows. Auth is infrastructure and
# imports no domain, so the two foreign keys name their tables as Piccolo's lazy references (resolved
# when pilotzone.registry.tables is loaded, which every process that serves pages does).
PARK = LazyTableReference("Park", module_path="pilotzone.registry.tables")
ENTERPRISE = LazyTableReference("Enterprise", module_path="pilotzone.registry.tables")


class User(Table, db=DB, tablename="pz_user"):
    email = Varchar(length=254, unique=True)  # stored lower-case
    display_name = Varchar(length=100, default="")
    password_hash = Varchar(length=200, null=True, default=None)  # None: OIDC only / not set yet
    province_role = Varchar(length=30, null=True, default=None, choices=Role)  # one of PROVINCE_ROLES
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    # for notifications (pilotzone.notify): the language the user last chose, a phone for SMS
    language = Varchar(length=10, default="zh_CN")
    phone = Varchar(length=30, default="")


class UserIdentity(Table, db=DB):
    """An OIDC identity (issuer + subject) linked to a user."""

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    issuer = Varchar(length=300)
    subject = Varchar(length=255)
    created_at = Timestamptz(default=TimestamptzNow())


class Membership(TenantTable, db=DB):
    """A user's role in a tenant, optionally narrowed to a district, park or enterprise."""

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    role = Varchar(length=30, choices=Role)  # one of TENANT_ROLES
    district_code = Varchar(length=12, default="")
    # (typed as a plain Table: auth may not import the registry)
    park: ForeignKey[Table] = ForeignKey(PARK, null=True, default=None, on_delete=OnDelete.restrict)
    enterprise: ForeignKey[Table] = ForeignKey(
        ENTERPRISE, null=True, default=None, on_delete=OnDelete.restrict
    )
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique(
            "membership_unique",
            ("user", "role", "district_code", "coalesce(park, 0)", "coalesce(enterprise, 0)"),
        ),
        Index("membership_user", ("user",)),  # a user's memberships in every tenant (pz_own_memberships)
    )


class Session(Table, db=DB, tablename="pz_session"):
    """Server-side session; only the sha256 of the cookie value is stored."""

    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    # the chosen tenant membership: no foreign key, a global row cannot point into a tenant table
    # (Citus: no key from a reference to a distributed table); pz_session_principal() joins it to
    # the user's active memberships on every request, pz_end_membership_sessions() ends it
    membership_id = Integer(null=True, default=None)
    province = Boolean(default=False)  # acting with the user's province role
    csrf_token = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    ip = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")


class LoginFailure(Table, db=DB):
    email = Varchar(length=254, index=True)
    ip = Varchar(length=64, index=True)
    at = Timestamptz(default=TimestamptzNow())


class OneTimeToken(Table, db=DB):
    """Invitation or password-reset link; only the hash is stored; used once, expires."""

    token_hash = Varchar(length=64, unique=True)
    kind = Varchar(length=20)  # invite | reset
    email = Varchar(length=254)
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.cascade)
    tenant = ForeignKey(Tenant, null=True, default=None, on_delete=OnDelete.cascade)
    grant = JSONB(default={})  # invite: role, district_code, park_id, enterprise_id, province_role
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class AuditLog(Table, db=DB):
    """Append-only (the app role may INSERT and SELECT only). ``hash`` chains each row to the
    previous row of the same tenant (NULL tenant: the provincial chain). ``tenant_id`` and
    ``actor_id`` are a record of who acted where, not references: no foreign key (a deleted user's
    rows stay as they were signed; ON DELETE SET NULL would break the chain)."""

    id = BigSerial(primary_key=True)
    at = Timestamptz(default=TimestamptzNow())
    tenant_id = Integer(null=True, default=None, index=True)
    actor_id = Integer(null=True, default=None)
    actor = Varchar(length=254, default="")
    action = Varchar(length=60, index=True)
    object_type = Varchar(length=40, default="")
    object_id = Varchar(length=40, default="")
    before = JSONB(null=True, default=None)
    after = JSONB(null=True, default=None)
    request_id = Varchar(length=40, default="")
    ip = Varchar(length=64, default="")
    prev_hash = Varchar(length=64, default="")
    hash = Varchar(length=64, default="")
    note = Text(default="")


# every column the app role may read (password_hash is not one: see tenancy/rls.py)
USER_COLUMNS = (
    User.id,
    User.email,
    User.display_name,
    User.province_role,
    User.is_active,
    User.created_at,
    User.last_login_at,
    User.language,
    User.phone,
)


async def find_user(where: Combinable) -> User | None:
    """The user matching ``where``, without its password hash (``User.objects()`` would select it)."""
    row = await User.select(*USER_COLUMNS).where(where).first()
    return None if row is None else User(**row, _exists_in_db=True)

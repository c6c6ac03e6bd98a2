"""A pilot-zone city added by a province admin at ``/province/tenants/``: the form, its checks (the same
:class:`TenantSpec` and :func:`check` as a tenant file), and the creation through the same
:func:`write_tenant` that ``tenants sync`` uses, then the invitation of the city's first bureau admin.

A city added here lives in the database only (``tenant.source_file`` empty): ``tenants sync`` writes
the tenants of its files and leaves every other tenant alone, so the city survives a later sync. A
file with the same slug added later takes the city over (the file is then its source)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from pilotzone import db
from pilotzone.auth import audit, events, services
from pilotzone.auth.admin_services import AdminError, valid_email
from pilotzone.auth.principal import Principal
from pilotzone.provisioning import SyncReport, write_tenant
from pilotzone.provisioning.specs import TenantFileError, TenantSpec, check
from pilotzone.settings import get_settings
from pilotzone.tenancy import divisions
from pilotzone.tenancy.context import TenantContext, switch_tenant
from pilotzone.tenancy.middleware import forget_tenants
from pilotzone.tenancy.tables import Tenant
from pilotzone.web.labels import N_


class CityForm(msgspec.Struct):
    """The city form (every field text, checked by :func:`spec_of`); ``step`` is the "下一步" button
    that lists the districts of the chosen prefecture without JavaScript."""

    division: str = ""
    slug: str = ""
    name_zh: str = ""
    name_en: str = ""
    bureau_zh: str = ""
    bureau_en: str = ""
    districts: list[str] | str = []
    primary: str = "#0b4f8a"
    accent: str = "#b3261e"
    approved_year: str = ""
    admin_email: str = ""
    step: str = ""

    def chosen(self) -> list[str]:
        return [self.districts] if isinstance(self.districts, str) else list(self.districts)


class CityError(Exception):
    """``field`` names the form field; ``message`` is an English msgid (``args`` fill it in)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# the key a TenantFileError names → the form field it belongs to
_FIELDS = {
    "slug": "slug",
    "name.zh": "name_zh",
    "name.en": "name_en",
    "bureau.zh": "bureau_zh",
    "bureau.en": "bureau_en",
    "branding.primary": "primary",
    "branding.accent": "accent",
    "zone.approved_year": "approved_year",
    "division": "division",
}


def filled(form: CityForm) -> CityForm:
    """The form after "下一步": names the dataset already knows filled in where left empty, and every
    district of the prefecture ticked when none is (the admin unticks what is not in the zone)."""
    division = divisions.get(form.division)
    if division is None or division.level != "prefecture":
        return form
    city = division.name.removesuffix("市")
    codes = {d.code for d in divisions.districts_of(division.code)}
    return msgspec.structs.replace(
        form,
        name_zh=form.name_zh or city,
        bureau_zh=form.bureau_zh or f"{division.name}商务局",
        districts=[c for c in form.chosen() if c in codes] or sorted(codes),
    )


async def taken(slug: str) -> bool:
    """A tenant row has the slug, or a tenant file would create one with it."""
    if (get_settings().tenants_dir / f"{slug}.toml").exists():
        return True
    return await Tenant.exists().where(Tenant.slug == slug)


def _year(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text):
        raise CityError("approved_year", N_("Enter a year such as 2022."))
    return int(text)


async def spec_of(form: CityForm) -> TenantSpec:
    """The tenant a form describes, checked like a tenant file; :class:`CityError` names the field."""
    division = divisions.get(form.division)
    if division is None or division.level != "prefecture":
        raise CityError("division", N_("Choose the city (prefecture) from the list."))
    chosen = form.chosen()
    if not chosen:
        raise CityError("districts", N_("Tick at least one district of the pilot zone."))
    name_en = form.name_en.strip()
    raw = {
        "slug": form.slug.strip().lower(),
        "division": division.code,
        "name": {"zh": form.name_zh.strip(), "en": name_en},
        "zone": {
            "zh": f"中国（{form.name_zh.strip()}）跨境电子商务综合试验区",
            "en": f"China ({name_en}) Cross-border E-commerce Comprehensive Pilot Zone",
            "approved_year": _year(form.approved_year),
        },
        "bureau": {"zh": form.bureau_zh.strip(), "en": form.bureau_en.strip()},
        "branding": {"primary": form.primary.strip(), "accent": form.accent.strip()},
        "districts": [{"code": code} for code in chosen],
        "sort_order": 1000,  # after the cities of the tenant files
    }
    try:
        spec = msgspec.convert(raw, TenantSpec)
    except msgspec.ValidationError as exc:
        text = str(exc)
        key = text.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in text else ""
        field = _FIELDS.get(key, "districts" if key.startswith("districts") else "form")
        raise CityError(field, _MESSAGES.get(field, N_("Check this field."))) from None
    try:
        check("(form)", spec)
    except TenantFileError as exc:
        field = "districts" if exc.key.startswith("districts") else _FIELDS.get(exc.key, "form")
        raise CityError(field, N_("Choose districts of this city from the list.")) from None
    if await taken(spec.slug):
        raise CityError("slug", N_("A pilot zone with this short name already exists."))
    return spec


_MESSAGES = {
    "slug": N_("Use 2–40 lowercase letters, digits or hyphens, starting with a letter (pinyin, e.g. shenzhen)."),
    "name_zh": N_("Enter the city's name."),
    "name_en": N_("Enter the city's name."),
    "bureau_zh": N_("Enter the bureau's name."),
    "bureau_en": N_("Enter the bureau's name."),
    "primary": N_("Enter a colour such as #0b4f8a."),
    "accent": N_("Enter a colour such as #0b4f8a."),
    "approved_year": N_("Enter a year such as 2022."),
}


@dataclass
class Created:
    tenant_id: int
    slug: str
    email: str
    path: str  # the invitation link (shown once to the province admin)


async def create_city(principal: Principal, form: CityForm, link_path: Callable[[str, str], str]) -> Created:
    """Write the tenant as ``tenants sync`` does (DB only), invite its first bureau admin (the link is
    mailed by whoever listens to ``auth.events``: notify), audit both. ``link_path(slug, token)`` makes
    the invitation's path from its route. Runs in the request's transaction: a failure leaves nothing."""
    try:
        email = valid_email(form.admin_email)
    except AdminError:
        raise CityError("admin_email", N_("Enter a valid email address.")) from None
    spec = await spec_of(form)
    report = SyncReport()
    tenant_id = await write_tenant(spec, "", report)
    # the new city's first bureau admin: invited in the city's own context, as the province admin
    async with switch_tenant(TenantContext(tenant_id, spec.slug, user_id=principal.user_id)):
        link = await services.issue_invitation(email, tenant_id, {"role": "bureau_admin"}, principal.user_id)
        path = link_path(spec.slug, link.token)
        await events.link_issued(events.LinkIssued("invite", email, path, tenant_id))
    # back to the request's own settings (switch_tenant leaves no user behind)
    await db.set_local({"app.scope": "public", "app.tenant_id": "", "app.user_id": str(principal.user_id)})
    await audit.record(  # the provincial chain: the province created the city
        "tenant.created",
        "tenant",
        tenant_id,
        after={
            "slug": spec.slug,
            "name_zh": spec.name.zh,
            "division": spec.division,
            "districts": [d.code for d in spec.districts],
            "first_admin": email,
        },
    )
    forget_tenants()  # a slug looked up before (404) resolves now in this process
    return Created(tenant_id, spec.slug, email, path)

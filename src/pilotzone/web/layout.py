"""Parts of the layout rendered once and reused: ``{{ cached_fragment("macros/nav.html", slug=…, role=…) }}``.

The layout's navigation (about twenty links and their texts) depends only on the page's language, the
tenant and the role it is seen as, not on the request: it is rendered once per environment, language
and key, then served from memory (on the bench page it was a quarter of the layout's rendering time).
A fragment template sees only its key, the Jinja globals and ``request`` (for ``url_for``): whatever
else it showed would be cached across requests, so nothing else is passed.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import Any, NamedTuple

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from pilotzone.web.i18n import get_locale
from pilotzone.web.labels import N_

MAX_ENTRIES = 2_000  # languages × tenants × roles is far less; a bound against unexpected keys

# per environment: one per app (tests build many apps in one process; a gone app takes its entries)
_caches: weakref.WeakKeyDictionary[Environment, dict[tuple[Hashable, ...], Markup]] = weakref.WeakKeyDictionary()


@pass_context
def cached_fragment(context: Context, template_name: str, /, **key: Hashable) -> Markup:
    """``template_name`` rendered with ``key`` (hashable values) as its variables, once per language
    (each time while templates reload, in development)."""
    environment = context.environment
    if environment.auto_reload:  # development: an edited fragment shows on the next page
        return Markup(environment.get_template(template_name).render({**key, "request": context.get("request")}))  # noqa: S704 - autoescaped template output
    cache = _caches.get(environment)
    if cache is None:
        cache = _caches[environment] = {}
    cache_key = (template_name, get_locale(), *key.items())
    found = cache.get(cache_key)
    if found is None:
        variables: dict[str, Any] = {**key, "request": context.get("request")}
        found = Markup(environment.get_template(template_name).render(variables))  # noqa: S704 - autoescaped template output
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[cache_key] = found
    return found


def forget_fragments() -> None:
    """Drop every cached fragment (tests that change translations or templates)."""
    _caches.clear()


# -- the main menu, grouped for the role (macros/nav.html; the workspace shows the same groups)

ADMIN, REVIEWER, DISTRICT = "bureau_admin", "bureau_reviewer", "district_reviewer"
PARK, ENTERPRISE = "park_operator", "enterprise_user"
PROVINCE_ADMIN, PROVINCE_VIEWER = "province_admin", "province_viewer"
PUBLIC = "public"  # a visitor who has not signed in (or has no role here)
MEMBERS = frozenset({ADMIN, REVIEWER, DISTRICT, PARK, ENTERPRISE})
PROVINCE = frozenset({PROVINCE_ADMIN, PROVINCE_VIEWER})
READERS = MEMBERS | PROVINCE  # tenant pages province staff may read too
EVERYONE = READERS | {PUBLIC}


class MenuLink(NamedTuple):
    route: str
    text: str  # an English msgid, translated when rendered
    roles: frozenset[str]
    tenant: bool = True  # a page of the tenant (takes ``slug``) or of the whole site


class MenuGroup(NamedTuple):
    key: str
    title: str  # an English msgid
    links: tuple[MenuLink, ...]


def _link(route: str, text: str, *roles: str | frozenset[str], tenant: bool = True) -> MenuLink:
    allowed: set[str] = set()
    for role in roles:
        allowed |= {role} if isinstance(role, str) else role
    return MenuLink(route, text, frozenset(allowed), tenant)


# Every page a role may use is one click from here (an object's page two: its list, then the object).
# Only pages the role may open are listed: the crawl test (tests/browser/test_crawl.py) checks both.
# Reached through another page instead: the inbox's preferences (from the inbox), the program and
# scheme builders (from the programs and schemes pages), an enterprise's or park's file (from its
# registry page and the bureau's search).
MENU: tuple[MenuGroup, ...] = (
    MenuGroup(
        "work",
        N_("Workspace"),
        (
            _link("tenant_home", N_("Workspace"), READERS),
            _link("notify_inbox", N_("Messages"), MEMBERS),
            _link("search", N_("Find an enterprise or park"), ADMIN, REVIEWER, DISTRICT, PROVINCE),
        ),
    ),
    MenuGroup(
        "apply",
        N_("Apply"),
        (
            _link("applications", N_("Certification applications"), READERS),
            _link("funding_applications", N_("Funding applications"), READERS),
            _link("tax_estimate", N_("Deemed-profit income tax estimate"), ADMIN, REVIEWER, ENTERPRISE, PROVINCE),
            _link("returns", N_("Monthly statistical returns"), ENTERPRISE),
        ),
    ),
    MenuGroup(
        "review",
        N_("Review"),
        (
            _link("reviews", N_("Certification reviews"), ADMIN, REVIEWER, DISTRICT),
            _link("funding_reviews", N_("Funding reviews"), ADMIN, REVIEWER, DISTRICT),
            _link("registrations", N_("Registrations"), ADMIN),
            _link("return_queue", N_("Monthly returns to check"), ADMIN, REVIEWER),
            _link("return_compliance", N_("Filing status of monthly returns"), ADMIN, REVIEWER),
            _link("trade_reconciliation", N_("Declared and official figures"), ADMIN, REVIEWER),
        ),
    ),
    MenuGroup(
        "notice",
        N_("Policies and public notices"),
        (
            _link("policies", N_("Policies"), EVERYONE),
            _link("notices", N_("Certification notices"), EVERYONE),
            _link("funding_notices", N_("Award notices"), EVERYONE),
            _link("objections", N_("Objections to certifications"), ADMIN, PROVINCE),
            _link("funding_objections", N_("Objections to awards"), ADMIN, PROVINCE),
        ),
    ),
    MenuGroup(
        "certificates",
        N_("Certificates"),
        (
            _link("schemes", N_("Certification schemes"), READERS),
            _link("certificates", N_("Certificates"), READERS),
            _link("certificate_lookup", N_("Verify a certificate"), EVERYONE, tenant=False),
        ),
    ),
    MenuGroup(
        "funding",
        N_("Funding"),
        (
            _link("programs", N_("Funding programs"), READERS),
            _link("funding_awards", N_("Awards"), READERS),
            _link("funding_payments", N_("Payments"), READERS),
        ),
    ),
    MenuGroup(
        "subjects",
        N_("Subjects"),
        (
            _link("parks", N_("Parks"), READERS),
            _link("enterprises", N_("Enterprises"), READERS),
            _link("warehouses", N_("Overseas warehouses"), READERS),
            _link("talents", N_("Talents"), READERS),
            _link("negative_list", N_("Negative list"), ADMIN, REVIEWER, PROVINCE),
        ),
    ),
    MenuGroup(
        "data",
        N_("Data"),
        (
            _link("trade_imports", N_("Official data import"), ADMIN),
            _link("trade_figures", N_("Official figures"), ADMIN, REVIEWER),
        ),
    ),
    MenuGroup(
        "admin",
        N_("Administration"),
        (
            _link("tenant_dashboard", N_("Dashboard"), ADMIN, REVIEWER, PROVINCE),
            _link("tenant_users", N_("Users and roles"), ADMIN),
            _link("job_runs", N_("Job runs"), ADMIN),
            _link("api_clients", N_("API clients"), ADMIN),
            _link("tenant_audit", N_("Audit trail"), ADMIN),
        ),
    ),
)

# pages outside any pilot zone: the province's, and the list of pilot zones (not for a city's members:
# every other city would refuse them)
SITE_MENU = MenuGroup(
    "province",
    N_("Province"),
    (
        _link("province", N_("Provincial overview"), PROVINCE, tenant=False),
        _link("province_tenants", N_("Pilot-zone cities"), PROVINCE_ADMIN, tenant=False),
        _link("province_users", N_("Provincial users"), PROVINCE_ADMIN, tenant=False),
        _link("province_audit", N_("Provincial audit trail"), PROVINCE_ADMIN, tenant=False),
        _link("landing", N_("All pilot zones"), PROVINCE, PUBLIC, tenant=False),
    ),
)


_ONLY_IN: dict[str, frozenset[str]] = {}  # route → the pilot zones that have the page (the root registers)


def only_in(route: str, slugs: frozenset[str]) -> None:
    """The menu links ``route`` only in these pilot zones (a page some cities' policies have)."""
    _ONLY_IN[route] = slugs


def menu_for(role: str | None, slug: str | None) -> list[MenuGroup]:
    """The groups and links of the menu for ``role`` (None: a visitor), in a pilot zone (``slug``)
    or outside one: only the links the role may open; empty groups left out."""
    who = role or PUBLIC
    groups = list(MENU) if slug else []
    groups.append(SITE_MENU)
    shown = []
    for group in groups:
        links = tuple(
            link
            for link in group.links
            if who in link.roles
            and (slug or not link.tenant)
            and (link.route not in _ONLY_IN or slug in _ONLY_IN[link.route])
        )
        if links:
            shown.append(MenuGroup(group.key, group.title, links))
    return shown

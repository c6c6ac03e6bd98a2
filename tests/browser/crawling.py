"""The crawl test's helpers: which pages a role may open (from the route table and each route's
``auth.guards.Access``), which route a URL is, the page checks (width at 390 px, axe-core, raw codes)
and the Nu HTML checker over the saved pages."""

from __future__ import annotations

import json
import re
import subprocess
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support import ROOT

WIDTH = 390
NARROWEST = 360
PER_ROUTE = 1  # instances of one route with path parameters opened per role (any one reaches it)
PAGE_LIMIT = 90  # pages opened per role at most
PROBE_LIMIT = 300  # further links per role whose answer is checked without rendering them

# Not pages to crawl: fragments swapped by HTMX, downloads, JSON, static files, the API reference, the
# sign-in flows that need a token or a provider, and the refusal landing.
NOT_PAGES = {
    "static",
    "theme",
    "healthz",
    "readyz",
    "province_list",
    "province_table",
    "tenant_dashboard_list",
    "tenant_dashboard_table",
    "province_tenant_districts",  # fragments
    "download",
    "funding_results_csv",
    "funding_results_xlsx",
    "province_export",
    "program_export",
    "scheme_export",  # downloads
    "tenant_dashboard_export",
    "province_report",
    "province_tenant_report",
    "tenant_report",
    "funding_balance",  # the program balance fragment (HTMX)
    "login",
    "invite",
    "reset",
    "oidc_login",
    "oidc_callback",
    "no_access",  # sign-in flows
    "api_enterprise",  # the machine API (JSON, in the OpenAPI document; tests/integration/api)
    "api_verify",
    "api_programs",
    "api_trade_figures_get",
}

# Pages a role may open by its guard that it cannot reach by links, each for a reason:
EXCLUDED: dict[str, dict[str, str]] = {
    "*": {
        "choose_context": "only offered to users with several memberships (the demo's multi@ account)",
        "register_enterprise": "for visitors: a signed-in member registers nothing",
        "register_park": "for visitors: a signed-in member registers nothing",
        "tax_estimate": "only in the cities whose policy describes it (shantou, foshan); the crawl is in guangzhou",
    },
    "enterprise_user": {
        "park": "an enterprise user's scope is its enterprise: no park's page is its to open"
    },
    # the handler refuses (403) who is not an applicant of any scheme or program: the admin starts none
    "bureau_reviewer": {
        "notify_message": "a message's page: the demo reviewer's inbox is empty until an applicant answers it"
    },
    "bureau_admin": {
        "application_new": "no scheme lists bureau administrators as applicants",
        "funding_application_new": "no program lists bureau administrators as applicants",
    },
    # provincial staff read a city's pages; its forms (new park, new program, applying) are not theirs
    "province": {
        name: "a city's form: provincial staff never write a city's data"
        for name in (
            "park_new",
            "program_new",
            "program_edit",
            "application_new",
            "funding_application_new",
            "tenant_users",
            "registrations",
            "round_new",
            "round_edit",
            "program_import_form",
            "scheme_new",
            "scheme_edit",
            "scheme_import_form",
        )
    }
    | {
        "reviews": "a reviewer's queue: provincial staff review nothing",
        "funding_reviews": "a reviewer's queue: provincial staff review nothing",
        "review": "a reviewer's form: provincial staff review nothing",
        "job_runs": "a city's background jobs are its bureau's to watch (the province's are on /province/)",
        "job_run": "a city's background jobs are its bureau's to watch (the province's are on /province/)",
    },
}


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    pattern: re.Pattern[str]
    params: int
    access: Any


def routes(app: Any) -> list[Route]:
    """The GET routes of the app with a name, most specific first."""
    found: dict[tuple[str, str], Route] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" not in getattr(handler, "http_methods", ()) or not handler.name:
                continue
            if route.path.startswith("/schema"):
                continue
            regex = re.sub(
                r"\{(\w+):int\}", r"\\d+", re.escape(route.path).replace(r"\{", "{").replace(r"\}", "}")
            )
            regex = re.sub(r"\{(\w+):str\}", r"[^/]+", regex)
            regex = re.sub(r"\{(\w+):path\}", r".*", regex)
            params = route.path.count("{")
            found[(handler.name, route.path)] = Route(
                handler.name,
                route.path,
                re.compile("^" + regex.rstrip("/") + "/?$"),
                params,
                handler.opt.get("access"),
            )
    return sorted(found.values(), key=lambda r: (r.params, -len(r.path)))


def route_of(table: list[Route], path: str) -> Route | None:
    for route in table:
        if route.pattern.match(path):
            return route
    return None


def may_open(access: Any, role: str, province: bool) -> bool:
    """The guard's decision for a GET (``auth.guards.decide``, read from the route's ``Access``)."""
    if access.kind in ("public", "signed_in"):
        return True
    if access.kind == "province":
        return province and role in access.roles
    if access.kind == "tenant":
        return (province and access.province_read) or (not province and role in access.roles)
    return False


def expected(table: list[Route], role: str, province: bool) -> dict[str, str]:
    """Route name → path of every page ``role`` may open and should reach by links."""
    excluded = {**EXCLUDED["*"], **EXCLUDED.get("province" if province else role, {})}
    return {
        r.name: r.path
        for r in table
        if r.name not in NOT_PAGES and r.name not in excluded and may_open(r.access, role, province)
    }


def coded_values() -> set[str]:
    """Every stored code of the product (the values of ``pilotzone.codes.Coded`` subclasses)."""
    from pilotzone.codes import Coded

    def subclasses(cls: type) -> list[type]:
        return [s for sub in cls.__subclasses__() for s in (sub, *subclasses(sub))]

    return {value for cls in subclasses(Coded) for value in cls.values()}  # type: ignore[attr-defined]


# the visible text of the page, without code shown as code (formulas, examples) and form fields
TEXT = """() => {
  const skip = 'code, pre, textarea, kbd, samp, script, style, noscript, template';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (parent && !parent.closest(skip) && parent.checkVisibility()) out.push(n.textContent);
  }
  return out.join(' ');
}"""

# the program editor names input types by their code ("amount"): helper h-builder replaces it
CODES_SHOWN = {"program_new", "program_edit"}


def raw_codes(text: str, codes: set[str]) -> list[str]:
    """The codes found as whole words in ``text`` (not inside e-mails, paths or longer identifiers)."""
    words = set(re.findall(r"(?<![A-Za-z0-9_.@/-])[a-z][a-z0-9_]*(?![A-Za-z0-9_@/-]|\.[A-Za-z0-9])", text))
    return sorted(words & codes)


LINKS = """() => [...document.querySelectorAll('a[href]')]
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.href)"""

AXE = """async () => {
  const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa'], resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


@dataclass
class Crawl:
    reached: dict[str, str] = field(default_factory=dict)  # route name → first URL
    problems: list[str] = field(default_factory=list)
    opened: int = 0
    probed: int = 0


def crawl(
    page: Any,
    server: str,
    start: str,
    table: list[Route],
    codes: set[str],
    out: Path,
    tag: str,
    axed: set[str],
) -> Crawl:
    """Open ``start`` and every same-origin page linked from what was opened (GET, bounded), checking
    the first page of each kind; HTML saved under ``out`` for the Nu checker. axe-core runs once per
    page kind over all roles (``axed``: the kinds it ran on; its run is the slow part)."""
    axe_source = (ROOT / "node_modules/axe-core/axe.min.js").read_text(encoding="utf-8")
    result = Crawl()
    per_route: dict[str, int] = {}
    queue: deque[str] = deque([server + start])
    seen = {server + start}
    while queue and result.opened < PAGE_LIMIT:
        url = queue.popleft()
        path = urlsplit(url).path
        route = route_of(table, path)
        if route is None:
            result.problems.append(f"{tag} {url}: a link to no route")
            continue
        if route.name in NOT_PAGES:
            continue
        if per_route.get(route.name, 0) >= (PER_ROUTE if route.params else 1):
            if route.params and result.probed < PROBE_LIMIT:  # another instance: is the link good?
                result.probed += 1
                status = page.request.get(url, max_redirects=0).status
                if status >= 400:
                    result.problems.append(f"{tag} {url}: {status} from a link")
            continue
        per_route[route.name] = per_route.get(route.name, 0) + 1
        response = page.goto(url)
        result.opened += 1
        status = response.status if response else 0
        if status != 200:
            result.problems.append(f"{tag} {url}: {status} from a link")
            continue
        if urlsplit(page.url).path != path:  # redirected: count the page it landed on
            route = route_of(table, urlsplit(page.url).path) or route
        if route.name not in result.reached:  # the checks once per page kind and role
            result.reached[route.name] = url
            run_axe = route.name not in axed
            axed.add(route.name)
            found = check(page, axe_source if run_axe else "", codes, route.name)
            result.problems.extend(f"{tag} {url}: {p}" for p in found)
            (out / f"{tag}-{result.opened:03}.html").write_text(response.text(), encoding="utf-8")
        for href in page.evaluate(LINKS):
            target = href.split("#", 1)[0]
            if not target.startswith(server + "/") or target in seen or "/static/" in target:
                continue
            seen.add(target)
            queue.append(target)
    return result


def check(page: Any, axe_source: str, codes: set[str], name: str) -> list[str]:
    """What is wrong with the open page: sideways scroll at 390 px (and 360 px), serious or critical axe-core
    violations (when ``axe_source`` is given), raw codes in its zh-CN text."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > WIDTH:
        problems.append(f"{width} px wide at {WIDTH} px")
    page.set_viewport_size({"width": NARROWEST, "height": 844})  # the layout holds from 360 px
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": WIDTH, "height": 844})
    if width > NARROWEST:
        problems.append(f"{width} px wide at {NARROWEST} px")
    if axe_source:
        page.add_script_tag(content=axe_source)
        problems.extend(f"axe {violation}" for violation in page.evaluate(AXE))
    found = [] if name in CODES_SHOWN else raw_codes(page.evaluate(TEXT), codes)
    if found:
        problems.append(f"raw codes {found}")
    return problems


def nu_errors(files: list[Path]) -> list[str]:
    """The Nu HTML checker's errors over ``files`` (one run)."""
    jar = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
    run = subprocess.run(  # noqa: S603
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}" for m in messages]


# -- objects the demo lacks yet, so the crawl opens their pages too (removed again afterwards)

SLUG = "guangzhou"


async def arrange(owner_dsn: str) -> dict[str, list[int]]:
    """In guangzhou, for the demo enterprise (of the demo park and district): a warehouse, a talent, a
    certification application in review at each stage of its scheme, one under a running public
    notice, one certified with its certificate, a funding application in review with an award under
    notice, a job run. Returns what :func:`tidy` removes."""
    import asyncpg
    from tests import factories
    from tests.support import demo

    from pilotzone import db

    owner = await asyncpg.connect(owner_dsn)
    try:
        member = await owner.fetchrow(
            'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
            demo("enterprise", SLUG),
        )
        company = await owner.fetchrow(
            "SELECT id, park, district_code FROM enterprise WHERE id = $1", member["enterprise"]
        )
    finally:
        await owner.close()
    scope = {
        "applicant_enterprise": company["id"],
        "applicant_park": company["park"],
        "district_code": company["district_code"],
    }
    made: dict[str, list[int]] = {"submission": [], "warehouse": [], "talent": [], "job_run": []}
    made["warehouse"].append((await factories.warehouse(SLUG, company["id"])).id)
    made["talent"].append((await factories.talent(SLUG, company["id"])).id)
    scheme = await factories.scheme(SLUG, subject="enterprise")
    later = datetime.now(UTC) + timedelta(days=5)
    spec = json.loads(scheme.spec) if isinstance(scheme.spec, str) else scheme.spec
    for stage, _role in enumerate(spec["stages"]):
        row = await factories.application(
            SLUG, scheme, "enterprise", company["id"], status="in_review", stage=stage, **scope
        )
        made["submission"].append(row.id)
    noticed = await factories.application(
        SLUG, scheme, "enterprise", company["id"], status="notice", notice_until=later, **scope
    )
    certified = await factories.application(
        SLUG, scheme, "enterprise", company["id"], status="certified", **scope
    )
    made["submission"] += [noticed.id, certified.id]
    await factories.certificate(SLUG, certified.id, scheme.key, valid_until=later + timedelta(days=365))
    rnd = await factories.synced_round(SLUG, "export-reward")
    where = {k: v for k, v in scope.items() if k != "applicant_enterprise"}  # the factory sets it
    applied = await factories.funding_application(
        SLUG, rnd["program"], rnd["current_version"], rnd["id"], company["id"], status="in_review", **where
    )
    awarded = await factories.funding_application(
        SLUG, rnd["program"], rnd["current_version"], rnd["id"], company["id"], status="verified", **where
    )
    made["submission"] += [applied.id, awarded.id]
    calculation = await factories.calculation(SLUG, rnd["id"], status="approved")
    await factories.ledger_entry(
        SLUG, rnd["program"], rnd["id"], calculation.id, awarded.id, notice_until=later, status="notice"
    )
    made["calculation"] = [calculation.id]
    made["job_run"] += await factories.job_runs(SLUG)
    # an official import and its figure (the import's and the figure's pages)
    uscc = await db_uscc(owner_dsn, company["id"])
    made["trade_batch"] = [await factories.official_import(SLUG, [(uscc, "2025-06", "9610", "export", "US", "1000.50", "3", "4")])]
    await db.DB.close_connection_pool()
    return made


async def db_uscc(owner_dsn: str, enterprise: int) -> str:
    import asyncpg

    owner = await asyncpg.connect(owner_dsn)
    try:
        return await owner.fetchval("SELECT uscc FROM enterprise WHERE id = $1", enterprise)
    finally:
        await owner.close()


async def tidy(owner_dsn: str, made: dict[str, list[int]]) -> None:
    import asyncpg

    owner = await asyncpg.connect(owner_dsn)
    try:
        ids = made["submission"]
        await owner.execute("DELETE FROM ledger_entry WHERE application = ANY($1::int[])", ids)
        await owner.execute("DELETE FROM calculation WHERE id = ANY($1::int[])", made.get("calculation", []))
        await owner.execute("DELETE FROM certificate WHERE application = ANY($1::int[])", ids)
        await owner.execute("DELETE FROM submission WHERE id = ANY($1::int[])", ids)
        await owner.execute("DELETE FROM overseas_warehouse WHERE id = ANY($1::int[])", made["warehouse"])
        await owner.execute("DELETE FROM talent WHERE id = ANY($1::int[])", made["talent"])
        await owner.execute("DELETE FROM job_run WHERE id = ANY($1::int[])", made["job_run"])
        await owner.execute("DELETE FROM trade_figure WHERE batch = ANY($1::int[])", made.get("trade_batch", []))
        await owner.execute("DELETE FROM trade_batch WHERE id = ANY($1::int[])", made.get("trade_batch", []))
    finally:
        await owner.close()

"""The isolation matrix, generated from the app's route table.

Every tenant route (and every route that takes an object id) is called, with real ids of the
victim's objects, by a user of each role of another tenant (through the victim's URL and through
their own tenant's URL) and by users of the victim tenant whose park, enterprise or district does
not cover the victim's objects. Every answer must be 403 or 404 (a list page the attacker may read
must simply not contain the victim's data), and no body may contain the victim's private markers.
New routes are covered automatically: a path parameter the matrix cannot fill fails the test.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from litestar.routes import HTTPRoute
from tests import factories
from tests.support import demo

from pilotzone.auth.guards import Access
from pilotzone.demo import TENANT_ACCOUNTS, sample_pdf
from pilotzone.documents.storage import get_storage
from pilotzone.notify.events import Event
from pilotzone.notify.services import emit
from pilotzone.web.deadlines import tenant_today
from pilotzone.workflow.states import Kind

VICTIM = "guangzhou"
OTHER = "foshan"
PARAM = re.compile(r"\{(\w+):\w+\}")


def tenant_routes(app) -> list[tuple[str, str, Access]]:  # type: ignore[no-untyped-def]
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                if method in ("HEAD", "OPTIONS"):
                    continue
                if route.path.startswith("/z/{slug") or "_id" in route.path:
                    found.append((method, route.path, handler.opt["access"]))
    return found


@pytest.fixture(scope="module")
async def victim(admin_gz, owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[dict]:
    """Guangzhou objects outside the scope of the guangzhou park operator / enterprise user /
    district reviewer (they belong to the first park and its district), each with a private marker."""
    gz = tenants[VICTIM]
    parks = await owner.fetch(
        "SELECT id, district_code FROM park WHERE tenant_id = $1 AND status = 'active' ORDER BY id", gz
    )
    first, second = parks[0], next(p for p in parks[1:] if p["district_code"] != parks[0]["district_code"])
    enterprise = await owner.fetchrow(
        "SELECT id, name, uscc FROM enterprise WHERE tenant_id = $1 AND park = $2", gz, second["id"]
    )
    marker = f"victim-{uuid.uuid4().hex[:8]}"
    for kind, owner_id in (("park", second["id"]), ("enterprise", enterprise["id"])):
        response = await admin_gz.post(
            f"/z/{VICTIM}/documents/{kind}/{owner_id}",
            files={"file": (f"{marker}-{kind}.pdf", sample_pdf(marker), "application/pdf")},
            follow_redirects=False,
        )
        assert response.status_code == 303
    document = await owner.fetchval(
        "SELECT id FROM document WHERE tenant_id = $1 AND filename = $2", gz, f"{marker}-enterprise.pdf"
    )
    started = await admin_gz.post(f"/z/{VICTIM}/stats", follow_redirects=False)
    run = int(started.headers["location"].rsplit("/", 1)[1])
    assert first["id"] != second["id"] and document and run
    reviewer = demo("reviewer", VICTIM)
    membership = await owner.fetchval(
        'SELECT m.id FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        reviewer,
        gz,
    )
    provincial = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", demo("province-viewer"))
    from pilotzone.registry.talents import id_check_char

    talent_body = f"4401051990{uuid.uuid4().int % 10**7:07d}"
    talent_number = talent_body + id_check_char(talent_body)
    async with factories.acting_in(VICTIM):  # one transaction for the victim's objects
        api_client = (await factories.api_client(VICTIM, name=f"{marker}-api-client")).client.id
        warehouse = (
            await factories.warehouse(
                VICTIM,
                enterprise["id"],
                city="Newark",
                address=f"{marker}-warehouse",
                floor_area=500,
                status="pending",
            )
        ).id
        talent = (
            await factories.talent(
                VICTIM,
                enterprise["id"],
                name=f"{marker}-talent",
                id_number=talent_number,
                category="leading_talent",
                status="pending",
            )
        ).id
        scheme = await factories.scheme(VICTIM, "overseas-warehouse")
        application = (
            await factories.application(
                VICTIM,
                scheme,
                "overseas_warehouse",
                warehouse,
                subject_label=f"{marker}-application",
                applicant_enterprise=enterprise["id"],
                applicant_park=second["id"],
                district_code=second["district_code"],
            )
        ).id
        # a notice of the (draft) application, not in the public lists, with an objection against it
        notice = (
            await factories.notice(
                VICTIM, Kind.CERTIFICATION, application, datetime.now(UTC) + timedelta(days=7)
            )
        ).id
        objection = (
            await factories.objection(
                VICTIM, notice, name=f"{marker}-objection", reason=f"{marker}-objection"
            )
        ).id
        certificate = (
            await factories.certificate(
                VICTIM,
                application,
                "overseas-warehouse",
                number=f"{marker}-certificate",
                valid_until=datetime.now(UTC) + timedelta(days=365),
            )
        ).id
        # programs and rounds are public to the tenant's members: no marker
        program = await factories.program(VICTIM, "isolation-program")
        funding_round = (
            await factories.funding_round(VICTIM, program, key="r1", name_zh="isolation round")
        ).id
        funding_application = (
            await factories.funding_application(
                VICTIM,
                program.id,
                program.current_version,
                funding_round,
                enterprise["id"],
                subject_label=f"{marker}-funding-application",
                applicant_park=second["id"],
                district_code=second["district_code"],
            )
        ).id
        calculation = (await factories.calculation(VICTIM, funding_round)).id
        await factories.calculation_result(VICTIM, calculation, funding_application)
        ledger = (
            await factories.ledger_entry(
                VICTIM,
                program.id,
                funding_round,
                calculation,
                funding_application,
                subject_label=f"{marker}-ledger",
            )
        ).id
        reviewer_id = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", reviewer)
        (message,) = await emit(Event.INFO_ANSWERED, [reviewer_id], params={"reference": f"{marker}-message"})
        negative_entry = (
            await factories.negative_entry(
                VICTIM,
                enterprise["id"],
                reason=f"{marker}-negative",
                source="isolation",
                valid_from=tenant_today() + timedelta(days=3650),
            )
        ).id
    # trade: a monthly return, an official import with its figure, a reconciliation flag
    period = date(2015, 3, 1)  # a month no demo figure uses
    trade_return = await factories.trade_return(VICTIM, enterprise["id"], period, status="submitted", label=enterprise["name"])
    batch = await factories.official_import(
        VICTIM, [(enterprise["uscc"], "2015-03", "9610", "export", "US", "1000.00", "1", "1")], label=f"{marker}-import.csv"
    )
    figure = await owner.fetchval("SELECT id FROM trade_figure WHERE batch = $1", batch)
    gap = await owner.fetchval(
        "INSERT INTO trade_gap (tenant_id, enterprise, period, mode, declared, official, gap, gap_percent, status, note) "
        "VALUES ($1, $2, $3, '9610', 10.00, 1000.00, -990.00, 99.00, 'open', $4) RETURNING id",
        gz, enterprise["id"], period, f"{marker}-gap",
    )
    yield {
        "values": {
            "return_id": trade_return,
            "batch_id": batch,
            "figure_id": figure,
            "gap_id": gap,
            "application_id": application,
            "objection_id": objection,
            "certificate_id": certificate,
            "park_id": second["id"],
            "enterprise_id": enterprise["id"],
            "document_id": document,
            "run_id": run,
            "owner_kind": "enterprise",
            "owner_id": enterprise["id"],
            "token": "x" * 43,
            "membership_id": membership,
            "scheme_key": "overseas-warehouse",
            "program_key": "warehouse-construction",
            "action": "deactivate",
            "user_id": provincial,
            "warehouse_id": warehouse,
            "talent_id": talent,
            "funding_application_id": funding_application,
            "round_id": funding_round,
            "calculation_id": calculation,
            "program_id": program.id,
            "ledger_id": ledger,
            "entry_id": negative_entry,
            "message_id": message,
            "client_pk": api_client,
        },
        "markers": [marker, enterprise["name"], enterprise["uscc"], reviewer, talent_number],
        "membership": membership,
        "provincial": provincial,
    }
    # the next module starts from the state the session set up: the victim's objects go again
    # (the statistics run stays: a worker of a later test may still be handed its message)
    for sql, key in (
        ("DELETE FROM negative_list_entry WHERE id = $1", negative_entry),
        ("DELETE FROM notify_message WHERE id = $1", message),
        ("DELETE FROM ledger_entry WHERE id = $1", ledger),
        ("DELETE FROM calculation_result WHERE calculation = $1", calculation),
        ("DELETE FROM calculation WHERE id = $1", calculation),
        ("DELETE FROM submission WHERE id = $1", funding_application),  # with its funding part
        ("DELETE FROM round WHERE id = $1", funding_round),
        ("DELETE FROM program WHERE id = $1", program.id),
        ("DELETE FROM certificate WHERE id = $1", certificate),
        ("DELETE FROM submission WHERE id = $1", application),  # with its part, notice, objection
        ("DELETE FROM talent WHERE id = $1", talent),
        ("DELETE FROM overseas_warehouse WHERE id = $1", warehouse),
        ("DELETE FROM api_client WHERE id = $1", api_client),
        ("DELETE FROM trade_gap WHERE id = $1", gap),
        ("DELETE FROM trade_figure WHERE batch = $1", batch),
        ("DELETE FROM trade_batch WHERE id = $1", batch),
        ("DELETE FROM submission WHERE id = $1", trade_return),  # with its return part
    ):
        await owner.execute(sql, key)
    storage = get_storage()
    for row in await owner.fetch("SELECT id, storage_key FROM document WHERE filename LIKE $1", f"{marker}%"):
        storage.client.remove_object(storage.bucket, row["storage_key"])
        await owner.execute("DELETE FROM document WHERE id = $1", row["id"])


def fill(path: str, slug: str, values: dict) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name == "slug":
            return slug
        if name not in values:
            pytest.fail(f"the isolation matrix cannot fill {{{name}}} in {path}: add a victim object for it")
        return str(values[name])

    return PARAM.sub(one, path)


async def call(client, method: str, url: str):  # type: ignore[no-untyped-def]
    if method == "GET":
        return await client.get(url, follow_redirects=False)
    if "/documents/" in url:
        return await client.post(
            url, files={"file": ("x.pdf", sample_pdf("x"), "application/pdf")}, follow_redirects=False
        )
    return await client.request(method, url, data={"probe": "1"}, follow_redirects=False)


def attackers() -> list[tuple[str, str, bool]]:
    """(email, label, same tenant?) — every role of the other tenant, and the narrow roles of the victim's."""
    out = [(demo(local, OTHER), f"{OTHER}:{role}", False) for local, role, _ in TENANT_ACCOUNTS]
    out += [(demo("multi"), "multi:other-context", False)]
    out += [
        (demo(local, VICTIM), f"{VICTIM}:{role}", True) for local, role, scope in TENANT_ACCOUNTS if scope
    ]
    return out


@pytest.mark.parametrize(("email", "who", "same_tenant"), attackers(), ids=[a[1] for a in attackers()])
async def test_no_route_leaks_the_victims_objects(
    app,
    as_user,
    owner: asyncpg.Connection,
    tenants: dict,
    victim: dict,
    email: str,
    who: str,
    same_tenant: bool,
) -> None:
    routes = tenant_routes(app)
    assert len(routes) >= 8  # the matrix really walks the route table
    failures = []
    async with as_user(email) as client:
        if who.startswith("multi"):  # acting in foshan, though also a guangzhou member
            membership = await owner.fetchval(
                'SELECT m.id FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
                email,
                tenants[OTHER],
            )
            chosen = await client.post(
                "/account/context", data={"membership": str(membership)}, follow_redirects=False
            )
            assert chosen.status_code == 303
        for method, path, access in routes:
            slugs = [VICTIM] if same_tenant else [VICTIM, OTHER]
            for slug in slugs:
                if not path.startswith("/z/{slug") and slug != VICTIM:
                    continue
                url = fill(path, slug, victim["values"])
                response = await call(client, method, url)
                body = response.text
                leaked = [m for m in victim["markers"] if m in body]
                takes_object = any(k in path for k in ("_id}", "{token"))
                # through the victim's URL a stranger is always refused; elsewhere, any route that
                # names one of the victim's objects is refused; list pages only must not leak
                # public routes (公示, objections) answer anyone: for them only the leak check counts
                must_refuse = (
                    (slug == VICTIM and not same_tenant) or takes_object
                ) and access.kind != "public"
                if leaked:
                    failures.append(f"{who} {method} {url}: {response.status_code} shows {leaked}")
                elif must_refuse and response.status_code not in (403, 404):
                    failures.append(f"{who} {method} {url} ({access.describe()}): {response.status_code}")
    assert failures == []
    # and nothing was changed by the attempts
    assert await owner.fetchval("SELECT active FROM membership WHERE id = $1", victim["membership"]) is True
    assert await owner.fetchval("SELECT revoked_at FROM api_client WHERE id = $1", victim["values"]["client_pk"]) is None
    assert (
        await owner.fetchval("SELECT province_role FROM pz_user WHERE id = $1", victim["provincial"])
        == "province_viewer"
    )


async def test_victim_objects_are_reachable_by_the_victim(admin_gz, victim: dict) -> None:
    """The matrix would pass vacuously if the objects were unreachable: the bureau admin reaches them."""
    v = victim["values"]
    for url in (
        f"/z/{VICTIM}/parks/{v['park_id']}",
        f"/z/{VICTIM}/enterprises/{v['enterprise_id']}",
        f"/z/{VICTIM}/documents/{v['document_id']}",
    ):
        assert (await admin_gz.get(url)).status_code == 200, url
    page = await admin_gz.get(f"/z/{VICTIM}/enterprises/{v['enterprise_id']}")
    assert victim["markers"][0] in page.text and victim["markers"][1] in page.text


def test_every_route_declares_who_may_call_it(app) -> None:  # type: ignore[no-untyped-def]
    missing = [
        f"{sorted(h.http_methods)} {route.path}"
        for route in app.routes
        for h in getattr(route, "route_handlers", [])
        # Litestar adds an OPTIONS handler per path by itself; the guard refuses it like any undeclared route
        if h.http_methods != {"OPTIONS"} and not isinstance(h.opt.get("access"), Access)
    ]
    assert missing == []


async def test_a_route_without_declaration_is_refused() -> None:
    from litestar import get
    from litestar.testing import AsyncTestClient

    from pilotzone.app import create_app

    @get("/undeclared", sync_to_thread=False)
    def undeclared() -> str:
        return "should not be served"

    async with AsyncTestClient(
        app=create_app(extra_routes=[undeclared]), base_url="http://testserver.local"
    ) as client:
        response = await client.get("/undeclared")
    assert response.status_code == 403 and "should not be served" not in response.text

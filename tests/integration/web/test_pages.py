"""Pages, fragments, language switch, errors and health, through the real app."""

from __future__ import annotations

from tests import factories
from tests.support import demo


async def test_landing_lists_every_tenant(client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    for slug, name in (("guangzhou", "广州"), ("shantou", "汕头"), ("foshan", "佛山")):
        assert f'href="/z/{slug}/"' in response.text and name in response.text
    assert "跨境电子商务综合试验区" in response.text


async def test_tenant_home_has_branding_parks_and_districts(as_user, owner, tenants) -> None:
    async with as_user(demo("reviewer", "foshan")) as client:
        response = await client.get("/z/foshan/")
        theme = await client.get("/theme.css")  # the colours: no inline style under the CSP
    assert response.status_code == 200
    colour = await owner.fetchval("SELECT primary_colour FROM tenant WHERE slug = 'foshan'")
    assert 'data-tenant="foshan"' in response.text and 'href="/theme.css"' in response.text
    assert f'body[data-tenant="foshan"] {{ --pz-primary: {colour};' in theme.text
    parks = "SELECT name_zh FROM park WHERE tenant_id = $1 AND status = 'active'"  # not the registrations waiting
    for name in await owner.fetch(parks, tenants["foshan"]):
        assert name["name_zh"] in response.text
    assert "顺德区" in response.text
    assert "广州白云机场综合保税区" not in response.text


async def test_unknown_tenant_is_a_404_page(client) -> None:
    response = await client.get("/z/atlantis/")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "页面不存在" in response.text
    assert (await client.get("/z/atlantis/parks/1")).status_code == 404


async def test_language_switch_persists_and_refuses_open_redirects(as_user) -> None:
    async with as_user(demo("reviewer", "foshan")) as client:
        response = await client.post(
            "/lang", data={"lang": "en", "next": "/z/foshan/"}, follow_redirects=False
        )
        assert response.status_code == 303 and response.headers["location"] == "/z/foshan/"
        assert "lang=en" in response.headers["set-cookie"]
        page = await client.get("/z/foshan/")
        assert '<html lang="en">' in page.text and "Parks and zones" in page.text and "Nanhai" in page.text
        evil = await client.post(
            "/lang", data={"lang": "en", "next": "//evil.example/"}, follow_redirects=False
        )
        assert evil.headers["location"] == "/"


async def test_htmx_gets_the_fragment_and_plain_get_the_page(admin_gz) -> None:
    full = await admin_gz.get("/z/guangzhou/parks/?q=保税")
    fragment = await admin_gz.get("/z/guangzhou/parks/?q=保税", headers={"HX-Request": "true"})
    assert "<html" in full.text and '<div id="parks">' in full.text
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith('<div id="parks">')
    assert "广州保税区" in fragment.text and "花都皮革皮具市场" not in fragment.text
    # one address, two answers: caches must key on the header; a history restore wants the page
    assert "HX-Request" in full.headers["vary"] and "HX-Request" in fragment.headers["vary"]
    restore = await admin_gz.get(
        "/z/guangzhou/parks/?q=保税", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text


async def test_parks_pagination(admin_gz, owner) -> None:
    async with factories.acting_in("guangzhou"):  # one transaction for the 25
        for i in range(25):
            await factories.park("guangzhou", key=f"page-test-{i:02}", name_zh=f"分页测试园区{i:02}")
    try:
        first = await admin_gz.get("/z/guangzhou/parks/")
        second = await admin_gz.get("/z/guangzhou/parks/?page=2")
        assert "page=2" in first.text and 'rel="next"' in first.text
        assert 'rel="prev"' in second.text and "分页测试园区24" in second.text
        assert "分页测试园区24" not in first.text
    finally:
        await owner.execute("DELETE FROM park WHERE key LIKE 'page-test-%'")


async def test_province_page_lists_all_tenants(as_user) -> None:
    async with as_user(demo("province-viewer")) as client:
        response = await client.get("/province/")
    assert response.status_code == 200
    for name in ("广州", "汕头", "佛山"):
        assert name in response.text
    assert "<tfoot>" in response.text


async def test_health_and_readiness(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "s3": "ok", "broker": "ok"}}


async def test_openapi_schema_is_served(client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200 and response.json()["info"]["title"] == "PilotZone"


async def test_openapi_describes_the_json_endpoints_and_no_page(client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    # pages, forms and downloads are HTML: only the probes and the machine API (pilotzone.api) are here
    assert sorted(schema["paths"]) == [
        "/api/v1/verify/{certificate}",
        "/api/v1/z/{slug}/enterprises/{uscc}",
        "/api/v1/z/{slug}/programs",
        "/api/v1/z/{slug}/trade-figures",
        "/api/v1/z/{slug}/warehouses/{warehouse_id}/operations",
        "/healthz",
        "/oauth/token",
        "/readyz",
    ]
    for operations in schema["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                assert set(response.get("content", {})) <= {"application/json", "application/problem+json"}

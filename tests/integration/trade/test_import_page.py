"""The import page (bureau administrators): a file with one bad row is refused by the job (the error
shown with row, column and reason, nothing written), the fixed file is imported (counts shown); a
refused upload leaves no batch; the figures page lists the result and one figure's history."""

from __future__ import annotations

import re

import asyncpg
from tests.integration.trade.import_support import csv_text, row
from tests.support import demo, wait_done


async def _upload(client, owner: asyncpg.Connection, name: str, body: bytes) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = await client.post(
        "/z/guangzhou/trade/imports/", files={"file": (name, body, "text/csv")}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    batch = int(location.rstrip("/").rsplit("/", 1)[1])
    run = await owner.fetchval(
        "SELECT id FROM job_run WHERE kind = 'trade_import' AND (args->>'batch')::int = $1", batch
    )
    await wait_done(owner, run, limit=60)
    page = await client.get(location)
    assert page.status_code == 200
    return batch, page.text


async def test_upload_with_a_bad_row_then_the_fixed_file(
    importing: dict, owner: asyncpg.Connection, admin_gz, worker, as_user  # type: ignore[no-untyped-def]
) -> None:
    (a, b), marker = (e.uscc for e in importing["enterprises"]), importing["marker"]
    listing = await admin_gz.get("/z/guangzhou/trade/imports/")
    assert listing.status_code == 200 and 'name="file"' in listing.text and 'id="imports"' in listing.text

    bad = csv_text([row(a), row(b, country="Atlantis")]).encode()
    batch, page = await _upload(admin_gz, owner, f"{marker}-page.csv", bad)
    assert 'id="import-problems"' in page and "<td>3</td><td>country</td>" in page
    assert "未知的国家（地区）" in page  # the reason in zh-CN
    # the file as uploaded, to correct it: its bureau admin downloads it, a reviewer does not
    link = re.search(r'<a href="([^"]+)" id="import-file" download>([^<]+)</a>', page)
    assert link is not None and link[2] == f"{marker}-page.csv"
    assert (await admin_gz.get(link[1])).content == bad
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        assert (await reviewer.get(link[1])).status_code == 404
    assert await owner.fetchval("SELECT count(*) FROM trade_figure WHERE batch = $1", batch) == 0
    assert await owner.fetchval(
        "SELECT count(*) FROM trade_figure WHERE enterprise = ANY($1::int[])", [e.id for e in importing["enterprises"]]
    ) == 0

    fixed = csv_text([row(a), row(b, country="DE")]).encode()
    batch, page = await _upload(admin_gz, owner, f"{marker}-page-fixed.csv", fixed)
    assert 'id="import-counts"' in page and "<td>2</td><td>2</td><td>0</td><td>0</td>" in page
    listing = await admin_gz.get("/z/guangzhou/trade/imports/")
    assert f"{marker}-page-fixed.csv" in listing.text and f"{marker}-page.csv" in listing.text

    figures = await admin_gz.get("/z/guangzhou/trade/figures/", params={"enterprise": a, "period": "2025-06"})
    assert figures.status_code == 200 and "1,000.50" in figures.text
    figure = await owner.fetchval("SELECT id FROM trade_figure WHERE batch = $1 ORDER BY id LIMIT 1", batch)
    detail = await admin_gz.get(f"/z/guangzhou/trade/figures/{figure}")
    assert detail.status_code == 200 and 'id="figure-history"' in detail.text


async def test_a_refused_upload_leaves_no_batch(importing: dict, owner: asyncpg.Connection, admin_gz) -> None:  # type: ignore[no-untyped-def]
    before = await owner.fetchval("SELECT count(*) FROM trade_batch")
    exe = b"MZ" + b"\x00" * 200  # an executable named .csv: refused by its bytes
    response = await admin_gz.post(
        "/z/guangzhou/trade/imports/", files={"file": (f"{importing['marker']}.csv", exe, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code in (400, 415) and 'id="file-error"' in response.text
    assert await owner.fetchval("SELECT count(*) FROM trade_batch") == before


async def test_other_roles_cannot_open_the_import_page(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        assert (await reviewer.get("/z/guangzhou/trade/imports/")).status_code in (403, 404)
        assert (await reviewer.get("/z/guangzhou/trade/figures/")).status_code == 200
    async with as_user(demo("enterprise", "guangzhou")) as enterprise:
        assert (await enterprise.get("/z/guangzhou/trade/figures/")).status_code in (403, 404)
    async with as_user(demo("province-viewer")) as province:
        assert (await province.get("/z/guangzhou/trade/imports/")).status_code in (403, 404)


async def test_province_users_read_each_citys_own_figures(owner: asyncpg.Connection, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests import factories
    from tests.support import demo

    company = await factories.enterprise("foshan")
    batch = await factories.official_import("foshan", [(company.uscc, "2025-06", "9610", "export", "US", "4321.00", "1", "1")])
    try:
        async with as_user(demo("province-viewer")) as province:
            here = await province.get("/z/foshan/trade/figures/", params={"enterprise": company.uscc})
            there = await province.get("/z/guangzhou/trade/figures/", params={"enterprise": company.uscc})
        assert here.status_code == 200 and "4,321.00" in here.text
        assert there.status_code == 200 and "4,321.00" not in there.text
    finally:
        await owner.execute("DELETE FROM trade_figure WHERE batch = $1", batch)
        await owner.execute("DELETE FROM trade_batch WHERE id = $1", batch)
        await owner.execute("DELETE FROM enterprise WHERE id = $1", company.id)

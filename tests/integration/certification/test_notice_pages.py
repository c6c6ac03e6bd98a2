"""The public notice lists (issue 11, item 12) are paged by keyset and searchable, and whether a notice
runs follows from its dates (item 1) on the certification side too: an ended notice leaves the list,
takes no objection and is labelled as waiting for its certificate until it is issued."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from tests import factories
from tests.support import csrf_of

from pilotzone.certification.applications import notice_running
from pilotzone.certification.notices import running_sql
from pilotzone.workflow.notice_list import PAGE_SIZE, notice_query

GZ = "/z/guangzhou"
RUNNING, ENDED = 45, 5
ROW = re.compile(r'<a href="/z/guangzhou/notices/(\d+)/objections" ')


@pytest.fixture
async def noticed(owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[dict]:
    """RUNNING applications under notice in guangzhou (ending 1 … RUNNING hours from now, named
    公示分页企业01 …), ENDED whose notice ended (still status notice: nothing moved them), one paused."""
    gz = tenants["guangzhou"]
    scheme = await factories.scheme("guangzhou")
    enterprise = await owner.fetchval("SELECT min(id) FROM enterprise WHERE tenant_id = $1", gz)
    now = datetime.now(UTC)
    async with factories.acting_in("guangzhou"):
        rows = [
            await factories.application(
                "guangzhou",
                scheme,
                "enterprise",
                enterprise,
                status="objected" if i == RUNNING + ENDED + 1 else "notice",
                subject_label=f"公示分页企业{i:02d}",
                applicant_enterprise=enterprise,
                moved_at=now - timedelta(days=1),
                notice_until=now + timedelta(hours=i) if i <= RUNNING else now - timedelta(hours=i - RUNNING),
            )
            for i in range(1, RUNNING + ENDED + 2)
        ]
    ids = [r.id for r in rows]
    yield {"ids": ids, "tenant": gz}
    # a certificate restricts deleting its PDF: certificates first, then their documents
    certificates = await owner.fetchval(
        "SELECT array_agg(id) FROM certificate WHERE application = ANY($1::int[])", ids
    )
    await owner.execute("DELETE FROM certificate WHERE application = ANY($1::int[])", ids)
    await owner.execute(
        "DELETE FROM document WHERE owner_kind = 'certificate' AND owner_id = ANY($1::int[])",
        certificates or [],
    )
    # the submission goes with its application part, notice and objections
    await owner.execute("DELETE FROM submission WHERE id = ANY($1::int[])", ids)


async def _walk(client: AsyncTestClient, url: str) -> tuple[list[int], int]:
    """Follow the next links from ``url``: every row's id in order, and the number of pages."""
    seen: list[int] = []
    pages = 0
    while url:
        page = await client.get(url)
        assert page.status_code == 200
        rows = [int(i) for i in ROW.findall(page.text)]
        assert len(rows) <= PAGE_SIZE
        seen += rows
        pages += 1
        if pages > 1:
            assert "第一页" in page.text
        found = re.search(r'<a href="([^"]+)" rel="next">', page.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
    return seen, pages


async def test_certification_notice_list_is_paged_and_searchable(app, owner, noticed) -> None:
    ids = noticed["ids"]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        first = await public.get(f"{GZ}/notices/")
        assert len(ROW.findall(first.text)) == PAGE_SIZE and 'rel="next"' in first.text
        seen, pages = await _walk(public, f"{GZ}/notices/")
        ours = [i for i in seen if i in ids]
        assert ours == ids[:RUNNING]  # every running notice once, in the order they end; no ended, no paused
        assert pages >= 3

        by_name, _ = await _walk(public, f"{GZ}/notices/?q=公示分页企业")  # the start of the name
        assert by_name == ids[:RUNNING]  # name order = the seeded order here
        one = await public.get(f"{GZ}/notices/", params={"q": "公示分页企业07"})
        assert [int(i) for i in ROW.findall(one.text)] == [ids[6]]
        number = await public.get(f"{GZ}/notices/", params={"q": str(ids[10])})
        assert [int(i) for i in ROW.findall(number.text)] == [ids[10]]
        ended = await public.get(f"{GZ}/notices/", params={"q": str(ids[RUNNING])})
        assert ROW.findall(ended.text) == [] and "没有符合搜索条件的公示事项" in ended.text
        for literal in ("%", "公示分页企业%", "_"):  # LIKE characters mean nothing
            assert ROW.findall((await public.get(f"{GZ}/notices/", params={"q": literal})).text) == []
        broken = await public.get(f"{GZ}/notices/", params={"after": "nonsense~x"})
        assert broken.status_code == 200 and len(ROW.findall(broken.text)) == PAGE_SIZE
        # another city's page lists none of them
        foshan = (await public.get("/z/foshan/notices/", params={"q": "公示分页企业"})).text
        assert re.findall(r'/z/foshan/notices/(\d+)/objections"', foshan) == []

        # one item's objection page; an ended notice has none and takes no objection
        form = await public.get(f"{GZ}/notices/{ids[0]}/objections")
        assert form.status_code == 200 and "公示分页企业01" in form.text and 'name="reason"' in form.text
        assert (await public.get(f"{GZ}/notices/{ids[RUNNING]}/objections")).status_code == 404
        assert (await public.get(f"/z/foshan/notices/{ids[0]}/objections")).status_code == 404  # RLS
        token = await csrf_of(public)
        late = await public.post(
            f"{GZ}/notices/{ids[RUNNING]}/objections",
            data={"csrf_token": token, "contact": "a@b.cn", "reason": "晚了"},
        )
        assert late.status_code == 404
        bad = await public.post(
            f"{GZ}/notices/{ids[0]}/objections", data={"csrf_token": token, "contact": "x"}
        )
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text and "公示分页企业01" in bad.text
    objected = await owner.fetchval(
        "SELECT count(*) FROM objection o JOIN notice n ON n.id = o.notice WHERE n.submission = ANY($1::int[])",
        ids,
    )
    assert objected == 0


async def test_an_ended_certification_notice_waits_for_its_certificate(admin_gz, noticed) -> None:
    ended = noticed["ids"][RUNNING]
    page = await admin_gz.get(f"{GZ}/applications/{ended}")
    assert page.status_code == 200
    assert "公示期满，待颁发证书" in page.text
    running = await admin_gz.get(f"{GZ}/applications/{noticed['ids'][0]}")
    assert "公示期满" not in running.text and "公示中" in running.text


async def test_python_and_sql_agree_on_a_running_notice(owner) -> None:
    moment = datetime.now(UTC)
    cases = [
        (status, until)
        for status in ("notice", "objected", "certified")
        for until in (None, moment - timedelta(seconds=1), moment, moment + timedelta(seconds=1))
    ]
    for status, until in cases:
        sql = (
            f"SELECT coalesce({running_sql('a', 'a', '$3')}, false) "  # noqa: S608 - fixed SQL text
            "FROM (SELECT $1::text AS status, $2::timestamptz AS notice_until) a"
        )
        assert await owner.fetchval(sql, status, until, moment) is notice_running(status, until, moment), (
            status,
            until,
        )


def test_notice_query_parsing() -> None:
    assert notice_query("  12345 ", None).number == 12345
    assert notice_query("广州 市", None).prefix == "广州 市"
    assert notice_query("x" * 500, None).q == "x" * 100
    q = notice_query("", "2026-12-01T00:00:00+00:00~7")
    assert q.after_at == datetime(2026, 12, 1, tzinfo=UTC) and q.after_id == 7
    named = notice_query("广州", "广州~市~9")  # names may hold the separator: the id is after the last one
    assert named.after_name == "广州~市" and named.after_id == 9
    assert notice_query("", "bad").first_page and notice_query("", "2026~x").first_page


async def test_the_scheduler_issues_the_certificates_of_ended_notices(owner, noticed, worker) -> None:
    """The stored step of an ended notice (its certificate) is made by the hourly ``certificate_issue``
    run of the scheduler, not only by the bureau administrator's button."""
    from pilotzone.certification.issuing import KIND, start_issue
    from pilotzone.tenancy.context import TenantContext, tenant_transaction

    ids = noticed["ids"]
    # other tests' leftovers in guangzhou that are due would be certified too: only ours count below
    async with tenant_transaction(TenantContext(noticed["tenant"], "guangzhou")):
        run = await start_issue()
    assert run.kind == KIND and run.total >= ENDED
    for _ in range(300):
        if await owner.fetchval("SELECT status FROM job_run WHERE id = $1", run.id) in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert await owner.fetchval("SELECT status FROM job_run WHERE id = $1", run.id) == "done"
    states = dict(await owner.fetch("SELECT id, status FROM submission WHERE id = ANY($1::int[])", ids))
    assert [states[i] for i in ids[RUNNING : RUNNING + ENDED]] == ["certified"] * ENDED
    assert {states[i] for i in ids[:RUNNING]} == {"notice"} and states[ids[-1]] == "objected"
    urls = await owner.fetch(
        "SELECT c.number FROM certificate c WHERE c.application = ANY($1::int[])",
        ids[RUNNING : RUNNING + ENDED],
    )
    assert len(urls) == ENDED

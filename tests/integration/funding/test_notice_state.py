"""Whether an award is under public notice follows from its dates (issue 11, item 1): nothing moves a
ledger entry from ``notice`` to ``awarded``, yet once ``notice_until`` has passed every reader sees an
award: the round page, the payment check (an over-payment gets the amount still payable), the public
page and its objections, the bureau's objection list and the overview's facts."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from litestar.testing import AsyncTestClient
from tests.integration.funding.steps import GZ
from tests.support import csrf_of

from pilotzone.overview.rollups import metric
from pilotzone.workflow.notice_list import PAGE_SIZE


def _ledger_row(page: str, label: str) -> str:
    ledger = page.split('id="ledger-heading"')[1]
    return next(row for row in ledger.split("<tr>") if f"<td>{label}</td>" in row)


async def test_an_ended_notice_is_an_award_everywhere(app, admin_gz, owner, approved) -> None:
    ended, running = await owner.fetch(
        "SELECT id, application, subject_label, awarded, notice_until FROM ledger_entry JOIN (SELECT submission AS application, notice_until FROM notice WHERE kind = 'award') n USING (application) WHERE round = $1 "
        "ORDER BY id LIMIT 2",
        approved["round"],
    )
    # the test clock, as the other notice tests: the end moves back; the stored status stays 'notice'
    await owner.execute(
        "UPDATE notice SET notice_until = now() - interval '1 day' WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE id = $1)", ended["id"]
    )
    assert await owner.fetchval("SELECT status FROM ledger_entry WHERE id = $1", ended["id"]) == "notice"

    # the round page: awarded, no "under notice until <past date>"
    page = (await admin_gz.get(approved["base"])).text
    row = _ledger_row(page, ended["subject_label"])
    assert "已核定" in row and "公示中" not in row and "至" not in row.split("</td>")[3]
    assert "公示中" in _ledger_row(page, running["subject_label"])  # its neighbour's notice still runs

    # a payment beyond the award: the over-award message with what is left, not "not yet under notice"
    pay = f"{approved['base']}/ledger/{ended['id']}/payments"
    awarded = Decimal(ended["awarded"])
    too_much = await approved["second"].post(
        pay,
        data={"amount": str(awarded + 1), "voucher": "PZ-S-1", "paid_on": "2026-12-01"},
        follow_redirects=False,
    )
    assert too_much.status_code == 409
    assert (
        f"拨付金额不能超过核定金额：尚可拨付 {awarded} 元" in too_much.text
        and "尚未公示" not in too_much.text
    )
    part = await approved["second"].post(
        pay, data={"amount": "1.00", "voucher": "PZ-S-2", "paid_on": "2026-12-01"}, follow_redirects=False
    )
    assert part.status_code == 303
    rest = await approved["second"].post(
        pay,
        data={"amount": str(awarded), "voucher": "PZ-S-3", "paid_on": "2026-12-01"},
        follow_redirects=False,
    )
    assert rest.status_code == 409 and f"尚可拨付 {awarded - 1} 元" in rest.text
    # while the neighbour's notice runs, its payment waits for the end
    early = await approved["second"].post(
        f"{approved['base']}/ledger/{running['id']}/payments",
        data={"amount": "1.00", "voucher": "PZ-S-4", "paid_on": "2026-12-01"},
        follow_redirects=False,
    )
    assert early.status_code == 409 and "公示结束后方可拨付" in early.text

    # the public page no longer lists it, and takes no objection to it
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        found = await public.get(f"{GZ}/funding/notices/", params={"q": ended["subject_label"]})
        assert f">{ended['subject_label']}<" not in found.text
        token = await csrf_of(public)
        late = await public.post(
            f"{GZ}/funding/notices/{ended['id']}/objections",
            data={"csrf_token": token, "contact": "a@b.cn", "reason": "晚了"},
        )
        assert late.status_code == 404
        assert await owner.fetchval("SELECT count(*) FROM objection o JOIN notice n ON n.id = o.notice JOIN ledger_entry e ON e.application = n.submission AND n.kind = 'award' WHERE e.id = $1", ended["id"]) == 0

    # the results export says so too
    export = await admin_gz.get(f"{approved['base']}/calculations/{approved['calculation']}/results.csv")
    table = {r[0]: r for r in csv.reader(io.StringIO(export.content.decode("utf-8-sig")))}
    state = table["申请编号"].index("公示与拨付状态")  # after the results, before the values used
    assert state == 6
    assert table[str(ended["application"])][state] == "已核定"
    assert table[str(running["application"])][state] == "公示中"

    # the overview counts it as awarded (its facts are what the rollups and drill-down lists read)
    awarded_facts = metric("awarded")
    assert awarded_facts is not None
    states = dict(
        (r["id"], r["state"])
        for r in await owner.fetch(
            f"SELECT f.id, f.state FROM ({awarded_facts.facts}) f WHERE f.id = ANY($1::int[])",  # noqa: S608
            [ended["id"], running["id"]],
        )
    )
    assert states == {ended["id"]: "awarded", running["id"]: "notice"}


async def test_objection_list_shows_the_state_by_dates(app, admin_gz, owner, approved) -> None:
    entry = await owner.fetchrow(
        "SELECT id, subject_label FROM ledger_entry WHERE round = $1 ORDER BY id LIMIT 1", approved["round"]
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        token = await csrf_of(public)
        raised = await public.post(
            f"{GZ}/funding/notices/{entry['id']}/objections",
            data={"csrf_token": token, "contact": "a@b.cn", "reason": "异议"},
            follow_redirects=False,
        )
        assert raised.status_code == 303
    objection = await owner.fetchval("SELECT o.id FROM objection o JOIN notice n ON n.id = o.notice JOIN ledger_entry e ON e.application = n.submission AND n.kind = 'award' WHERE e.id = $1", entry["id"])
    done = await admin_gz.post(
        f"{GZ}/funding/notices/objections/{objection}/resolve",
        data={"decision": "dismissed", "note": "不成立"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    await owner.execute(
        "UPDATE notice SET notice_until = now() - interval '1 day' WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE id = $1)", entry["id"]
    )
    listing = (await admin_gz.get(f"{GZ}/funding/notices/objections")).text
    row = next(r for r in listing.split("<tr>") if entry["subject_label"] in r)
    assert re.search(r"\(已核定\)", row) and "公示中" not in row


AWARD_ROW = re.compile(r'<a href="/z/guangzhou/funding/notices/(\d+)/objections" ')


async def _walk(client: AsyncTestClient, url: str) -> list[int]:
    """Follow the next links from ``url``: every row's ledger entry id in order (item 12: keyset pages)."""
    seen: list[int] = []
    while url:
        page = await client.get(url)
        assert page.status_code == 200
        rows = [int(i) for i in AWARD_ROW.findall(page.text)]
        assert len(rows) <= PAGE_SIZE
        seen += rows
        found = re.search(r'<a href="([^"]+)" rel="next">', page.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
    return seen


async def test_award_notice_list_is_paged_and_searchable(app, owner, approved) -> None:
    entries = await owner.fetch(
        "SELECT id, application, subject_label FROM ledger_entry JOIN (SELECT submission AS application, notice_until FROM notice WHERE kind = 'award') n USING (application) "
        "WHERE round = $1 ORDER BY notice_until, id",
        approved["round"],
    )
    ids = [e["id"] for e in entries]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        first = await public.get(f"{GZ}/funding/notices/")
        assert len(AWARD_ROW.findall(first.text)) == PAGE_SIZE and 'rel="next"' in first.text
        assert len(first.content) < 40_000  # a page, not every award (470 KB with 80,000 before)
        assert [i for i in await _walk(public, f"{GZ}/funding/notices/") if i in ids] == ids
        # notices that end leave the list; nothing has to move them
        await owner.execute(
            "UPDATE notice SET notice_until = now() - interval '1 minute' WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE id = ANY($1::int[]))",
            ids[:8],
        )
        assert [i for i in await _walk(public, f"{GZ}/funding/notices/") if i in ids] == ids[8:]
        # by application number, by the start of the name (name order), LIKE characters literally
        wanted = entries[20]
        number = await public.get(f"{GZ}/funding/notices/", params={"q": str(wanted["application"])})
        assert [int(i) for i in AWARD_ROW.findall(number.text)] == [wanted["id"]]
        by_name = await _walk(public, f"{GZ}/funding/notices/?q=公示测试企业0")
        expected = sorted(
            (e for e in entries[8:] if e["subject_label"].startswith("公示测试企业0")),
            key=lambda e: (e["subject_label"], e["id"]),
        )
        assert by_name == [e["id"] for e in expected] and len(by_name) > PAGE_SIZE
        assert (
            AWARD_ROW.findall((await public.get(f"{GZ}/funding/notices/", params={"q": "公示%"})).text) == []
        )
        # the objection form is the award's own page; an ended award has none
        assert (await public.get(f"{GZ}/funding/notices/{wanted['id']}/objections")).status_code == 200
        assert (await public.get(f"{GZ}/funding/notices/{ids[0]}/objections")).status_code == 404
        assert (await public.get(f"/z/foshan/funding/notices/{wanted['id']}/objections")).status_code == 404

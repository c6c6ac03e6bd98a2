"""Award 公示 after approval (the certification notice machinery: objection form, rate limit, resolution),
objections pausing payments, revocation in the balance; the round page's paging, filter and live part."""

from __future__ import annotations

import re
from decimal import Decimal

from litestar.testing import AsyncTestClient
from tests.integration.funding.steps import GZ
from tests.integration.funding.steps import N_APPROVED as N
from tests.support import csrf_of

COUNT = "共找到结果："


async def test_award_notice_objections_pause_payments(app, admin_gz, admin_fs, owner, approved) -> None:
    gz = approved["tenant"]
    entries = await owner.fetch(
        "SELECT id, subject_label, awarded, status, notice_until, notice_until - now() AS left "
        "FROM ledger_entry JOIN (SELECT submission AS application, notice_until FROM notice WHERE kind = 'award') n USING (application) WHERE round = $1 ORDER BY id", approved["round"],
    )
    assert len(entries) == N - N // 10  # the 'x' declarations cannot be evaluated: no award
    assert all(e["status"] == "notice" and 6 <= e["left"].days <= 7 for e in entries)  # 7 notice days
    first, second = entries[0], entries[1]

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        page = await public.get(f"{GZ}/funding/notices/")
        assert page.status_code == 200
        assert first["subject_label"] in page.text and "测试出口奖励" in page.text and "2026年度" in page.text
        assert str(first["awarded"]) in page.text
        assert "exports" not in page.text and "审计报告" not in page.text  # no declared values, no documents
        token = await csrf_of(public)
        url = f"{GZ}/funding/notices/{first['id']}/objections"
        bad = await public.post(url, data={"csrf_token": token, "contact": "nobody", "reason": ""})
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text
        assert "请输入有效的电话号码或电子邮箱" in bad.text and "请说明异议理由" in bad.text
        for i in range(3):
            ok = await public.post(
                url, data={"csrf_token": token, "name": "李四", "contact": "13900000000", "reason": f"奖励异议 {i}"},
                follow_redirects=False,
            )
            assert ok.status_code == 303
        fourth = await public.post(url, data={"csrf_token": token, "contact": "a@b.cn", "reason": "再次"})
        assert fourth.status_code == 429 and "每小时最多 3 条" in fourth.text
        other = await public.post(
            f"{GZ}/funding/notices/{second['id']}/objections",
            data={"csrf_token": token, "contact": "c@d.cn", "reason": "虚报出口额"}, follow_redirects=False,
        )
        assert other.status_code == 303  # the limit is per award
        # another tenant's notice page does not show guangzhou's awards, nor take objections to them
        assert first["subject_label"] not in (await public.get("/z/foshan/funding/notices/")).text
        cross = await public.post(
            f"/z/foshan/funding/notices/{first['id']}/objections",
            data={"csrf_token": token, "contact": "a@b.cn", "reason": "x"},
        )
        assert cross.status_code == 404
    assert await owner.fetchval("SELECT status FROM ledger_entry WHERE id = $1", first["id"]) == "objected"

    # an objection pauses the entry: no payment
    pay = f"{approved['base']}/ledger/{first['id']}/payments"
    refused = await approved["second"].post(
        pay, data={"amount": "1.00", "voucher": "PZ-N-1", "paid_on": "2026-12-01"}, follow_redirects=False
    )
    assert refused.status_code == 409 and "暂停" in refused.text
    assert await owner.fetchval("SELECT paid FROM ledger_entry WHERE id = $1", first["id"]) == 0

    # the bureau resolves: dismissals resume the notice once no objection is open
    objections = await owner.fetch(
        "SELECT o.id, e.id AS entry FROM objection o JOIN notice n ON n.id = o.notice JOIN ledger_entry e ON e.application = n.submission AND n.kind = 'award' WHERE e.id = ANY($1::int[]) ORDER BY o.id", [first["id"], second["id"]]
    )
    assert len(objections) == 4
    listing = await admin_gz.get(f"{GZ}/funding/notices/objections")
    assert listing.status_code == 200 and "奖励异议 0" in listing.text and "13900000000" in listing.text
    assert (await admin_fs.post(
        f"/z/foshan/funding/notices/objections/{objections[0]['id']}/resolve", data={"decision": "dismissed"}
    )).status_code == 404
    for o in objections[:2]:
        done = await admin_gz.post(f"{GZ}/funding/notices/objections/{o['id']}/resolve",
                                   data={"decision": "dismissed", "note": "不成立"}, follow_redirects=False)
        assert done.status_code == 303
    assert await owner.fetchval("SELECT status FROM ledger_entry WHERE id = $1", first["id"]) == "objected"
    await admin_gz.post(f"{GZ}/funding/notices/objections/{objections[2]['id']}/resolve",
                        data={"decision": "dismissed", "note": "不成立"}, follow_redirects=False)
    resumed = await owner.fetchrow("SELECT status, notice_until FROM ledger_entry JOIN (SELECT submission AS application, notice_until FROM notice WHERE kind = 'award') n USING (application) WHERE id = $1", first["id"])
    assert resumed["status"] == "notice" and resumed["notice_until"] >= first["notice_until"]
    again = await admin_gz.post(f"{GZ}/funding/notices/objections/{objections[2]['id']}/resolve",
                                data={"decision": "upheld", "note": "x"})
    assert again.status_code == 409
    early = await approved["second"].post(
        pay, data={"amount": "1.00", "voucher": "PZ-N-1", "paid_on": "2026-12-01"}, follow_redirects=False
    )
    assert early.status_code == 409 and "公示结束后方可拨付" in early.text  # the resumed notice runs
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        found = await public.get(f"{GZ}/funding/notices/", params={"q": first["subject_label"]})
        assert first["subject_label"] in found.text  # resumed: later than the first page, found by name
    # the notice ends (the test clock: its end moves back): off the public page, payable
    await owner.execute("UPDATE notice SET notice_until = now() - interval '1 second' WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE id = $1)", first["id"])
    paid = await approved["second"].post(
        pay, data={"amount": "1.00", "voucher": "PZ-N-1", "paid_on": "2026-12-01"}, follow_redirects=False
    )
    assert paid.status_code == 303

    # upholding needs reasons; it revokes the award, whose money returns to the unallocated budget
    upheld = f"{GZ}/funding/notices/objections/{objections[3]['id']}/resolve"
    no_note = await admin_gz.post(upheld, data={"decision": "upheld", "note": " "})
    assert no_note.status_code == 400 and "请说明异议成立的理由" in no_note.text
    assert (await admin_gz.post(upheld, data={"decision": "upheld", "note": "出口额不实"},
                                follow_redirects=False)).status_code == 303
    assert await owner.fetchval("SELECT status FROM ledger_entry WHERE id = $1", second["id"]) == "revoked"
    revoked = await approved["second"].post(
        f"{approved['base']}/ledger/{second['id']}/payments",
        data={"amount": "1.00", "voucher": "PZ-N-2", "paid_on": "2026-12-01"}, follow_redirects=False,
    )
    assert revoked.status_code == 409
    total = sum(e["awarded"] for e in entries)
    fragment = (await admin_gz.get(f"{GZ}/funding/programs/{approved['program']}/balance")).text
    shown = {
        name: value.replace(",", "").removesuffix(" 元")  # amounts with separators and their unit
        for name, value in zip(
            re.findall(r"<dt>(.*?)</dt>", fragment), re.findall(r"<dd>(.*?)</dd>", fragment), strict=True
        )
    }
    assert Decimal(shown["已核定"]) == total - second["awarded"] and Decimal(shown["已拨付"]) == Decimal("1.00")
    assert Decimal(shown["预算"]) == Decimal(shown["已核定"]) + Decimal(shown["未分配"])
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        for entry, shown in ((first, False), (second, False), (entries[2], True)):  # paid / revoked / running
            page = (await public.get(f"{GZ}/funding/notices/", params={"q": entry["subject_label"]})).text
            assert (f">{entry['subject_label']}<" in page) is shown
    actions = {r["action"] for r in await owner.fetch(
        "SELECT action FROM audit_log WHERE tenant_id = $1 AND object_type = 'ledger_entry'", gz
    )}
    assert {"award_objection.raised", "award_objection.dismissed", "award_objection.upheld"} <= actions


async def test_round_results_paging_filter_and_live_part(admin_gz, owner, approved) -> None:
    base = approved["base"]
    page = await admin_gz.get(base)
    assert page.status_code == 200 and f"{COUNT}{N}<" in page.text
    first = page.text.split('id="results"')[1].split("</table>")[0]
    assert first.count("<tr>") == 1 + 50 and "公示测试企业050" in first and "公示测试企业051" not in first
    assert 'rel="next"' in page.text and "第 1 页，共 3 页" in page.text
    third = await admin_gz.get(f"{base}?page=3")
    results = third.text.split('id="results"')[1].split("</table>")[0]
    assert results.count("<tr>") == 1 + 20 and "公示测试企业101" in results and "公示测试企业100" not in results
    beyond = await admin_gz.get(f"{base}?page=99")  # clamped to the last page
    assert "第 3 页，共 3 页" in beyond.text

    # filters: a name part, an application number, eligibility; they survive the pager's links
    named = await admin_gz.get(base, params={"q": "企业00"})
    rows = named.text.split('id="results"')[1].split("</table>")[0]
    assert rows.count("<tr>") == 1 + 9 and 'rel="next"' not in named.text
    ineligible = await admin_gz.get(base, params={"show": "ineligible"})
    rows = ineligible.text.split('id="results"')[1].split("</table>")[0]
    assert rows.count("<tr>") == 1 + N // 10 and "无法计算" in rows
    one = await owner.fetchval(
        "SELECT application FROM calculation_result WHERE calculation = $1 ORDER BY application DESC LIMIT 1",
        approved["calculation"],
    )
    by_number = await admin_gz.get(base, params={"q": str(one)})
    assert by_number.text.split('id="results"')[1].split("</table>")[0].count("<tr>") == 2
    wild = await admin_gz.get(base, params={"q": "%"})  # LIKE characters are taken literally
    assert "暂无符合条件的结果" in wild.text
    awarded = await admin_gz.get(base, params={"show": "awarded", "page": "1"})
    assert "&amp;show=awarded" in awarded.text and 'rel="next"' in awarded.text

    # HTMX gets the live part only; it polls itself while the job runs and stops when it is done
    hx = {"HX-Request": "true"}
    live = await admin_gz.get(base, params={"page": "2"}, headers=hx)
    assert "<html" not in live.text
    assert 'id="round-live"' in live.text and 'data-hx-trigger="every 1s"' not in live.text
    run = await owner.fetchval("SELECT job_run FROM calculation WHERE id = $1", approved["calculation"])
    await owner.execute("UPDATE job_run SET status = 'running' WHERE id = $1", run)
    try:
        polling = await admin_gz.get(base, params={"page": "2"}, headers=hx)
        assert 'data-hx-trigger="every 1s"' in polling.text and "page=2" in polling.text
        assert "data-hx-disable" in polling.text  # the job widget inside does not poll on its own
        full = await admin_gz.get(base)
        assert '<meta http-equiv="refresh"' in full.text  # without JavaScript the page reloads itself
    finally:
        await owner.execute("UPDATE job_run SET status = 'done' WHERE id = $1", run)


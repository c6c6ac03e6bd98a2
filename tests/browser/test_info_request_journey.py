"""An information request with a due date, as its people meet it: the district reviewer asks for a new
audit report by a date; the enterprise finds the unread message in its inbox and the to-do on its
workspace, both with the date, opens the application from the message, uploads the new version and
answers; the three stages approve and the approval reaches the enterprise by email (a real SMTP server,
aiosmtpd, with a real worker process sending it)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.pages import mail_to, sign_in, start_worker, stop_worker
from tests.support import demo, serve

from pilotzone.demo import sample_pdf

GZ = "/z/guangzhou"
SCHEME = "demo-enterprise"
AUDIT = "上年度财务审计报告"


@pytest.fixture(scope="module")
def server(mail_sink: Any) -> Iterator[str]:
    """This module's server mails through the sink (so does its worker)."""
    yield from serve({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail_sink.port)})


def _in_thread(work: Any) -> Any:
    """``await work()`` on its own loop in a worker thread (sync Playwright keeps a loop in this one)."""

    async def run() -> Any:
        from pilotzone import db

        try:
            return await work()
        finally:
            await db.DB.close_connection_pool()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=60)


def _application(owner_dsn: str) -> int:
    """A certification application of the demo enterprise, submitted and waiting at the district stage."""

    async def make() -> int:
        from tests import factories

        owner = await asyncpg.connect(owner_dsn)
        try:
            company = await owner.fetchrow(
                "SELECT e.id, e.park, e.district_code FROM enterprise e JOIN membership m"
                ' ON m.enterprise = e.id JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
                demo("enterprise", "guangzhou"),
            )
        finally:
            await owner.close()
        scheme = await factories.scheme("guangzhou", key=SCHEME)
        row = await factories.application(
            "guangzhou", scheme, "enterprise", company["id"], status="in_review", stage=0,
            applicant_enterprise=company["id"], applicant_park=company["park"],
            district_code=company["district_code"], submitted_at=datetime.now(UTC),
            values={"last_year_exports": "8000", "model": "b2c_9610"},
        )  # fmt: skip
        return row.id

    return _in_thread(make)


def _as(browser: Browser, server: str, who: str, path: str) -> Page:
    page = browser.new_context(locale="zh-CN").new_page()
    sign_in(page, server, demo(who, "guangzhou"), path)
    return page


def _approve(browser: Browser, server: str, who: str, app_id: int, button: str) -> None:
    page = _as(browser, server, who, f"{GZ}/reviews/{app_id}")
    form = page.locator("form", has=page.get_by_role("button", name=button))
    for score in form.locator("input[type=number]").all():
        score.fill("9")
    form.get_by_label("审核意见、驳回理由或需补充的材料").fill("同意。")
    form.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(rf"{GZ}/reviews/"))
    expect(page.get_by_role("alert")).to_have_count(0)
    page.context.close()


def test_an_information_request_with_a_due_date_reaches_the_enterprise(
    browser: Browser, server: str, mail_sink: Any, owner_dsn: str, tmp_path: Path
) -> None:
    app_id = _application(owner_dsn)
    worker = start_worker(tmp_path / "worker.log", {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail_sink.port)})
    try:
        # the district reviewer asks for a new audit report, due in five days
        due = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=5)).isoformat()
        district = _as(browser, server, "district", f"{GZ}/reviews/{app_id}")
        district.get_by_label("审核意见、驳回理由或需补充的材料").fill("请补充经审计的上年度财务报告。")
        district.locator("#due-on").fill(due)
        district.locator("#reopen").get_by_label(AUDIT, exact=True).check()
        district.get_by_role("button", name="要求补充材料").click()
        expect(district).to_have_url(re.compile(rf"{GZ}/reviews/"))
        expect(district.get_by_role("alert")).to_have_count(0)
        district.context.close()

        # the enterprise: the to-do on its workspace, the unread message in its inbox, both with the date
        page = _as(browser, server, "enterprise", f"{GZ}/")
        todo = page.locator(f"a[href$='/applications/{app_id}']").first
        expect(todo).to_be_visible()
        expect(page.locator("main")).to_contain_text(due)
        expect(page.locator("#inbox-link")).not_to_have_text(re.compile(r"（0）|\(0\)"))
        page.locator("#inbox-link").click()
        message = page.locator("li, tr", has_text=f"#{app_id}").filter(has_text="补正材料通知").first
        expect(message).to_be_visible()
        expect(message).to_contain_text(due)
        message.get_by_role("link").first.click()  # the message, unread until opened
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{app_id}")
        page.get_by_role("button", name="查看详情").click()  # marks it read and opens the application
        expect(page).to_have_url(re.compile(rf"{GZ}/applications/{app_id}$"))
        expect(page.locator("#request-due")).to_contain_text(due)

        # it uploads the new version and answers
        report = tmp_path / "审计报告.pdf"
        report.write_bytes(sample_pdf("audited accounts"))
        request = page.locator("#info-request")
        upload = request.locator("form", has=page.locator("#reopen-file-audit_report"))
        upload.get_by_label(re.compile(AUDIT)).set_input_files(report)
        upload.get_by_role("button", name="上传", exact=True).click()
        expect(page.locator("#info-request").get_by_role("link", name=report.name)).to_be_visible()
        page.locator("#info-request").get_by_label("您的答复").fill("已上传经审计的财务报告。")
        page.locator("#info-request").get_by_role("button", name="提交答复并恢复审核").click()
        expect(page).to_have_url(re.compile(rf"{GZ}/applications/{app_id}"))
        expect(page.get_by_role("button", name="提交答复并恢复审核")).to_have_count(0)
        page.context.close()

        # three stages approve; the approval reaches the enterprise by email
        _approve(browser, server, "district", app_id, "通过，转下一环节")
        _approve(browser, server, "reviewer", app_id, "通过，转下一环节")
        _approve(browser, server, "admin", app_id, "通过认定")
        body = mail_to(mail_sink.directory, demo("enterprise", "guangzhou"), f"#{app_id} 已通过", timeout=60)
        assert f"/applications/{app_id}" in body
    finally:
        stop_worker(worker)
        _in_thread(lambda: _remove(owner_dsn, app_id))


async def _remove(owner_dsn: str, app_id: int) -> None:
    owner = await asyncpg.connect(owner_dsn)
    try:
        await owner.execute("DELETE FROM submission WHERE id = $1", app_id)
        await owner.execute("DELETE FROM notify_message WHERE link LIKE $1", f"%/applications/{app_id}")
    finally:
        await owner.close()

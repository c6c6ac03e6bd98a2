"""The builder journey in a real browser: a bureau admin builds a new program in forms without typing
TOML (an input row, a constant row added with HTMX, the formula), sees a formula mistake explained at its
position and the amount of sample values in the live preview, saves, and opens a round today with date
inputs."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import asyncpg
import pytest
from playwright.sync_api import Browser, expect
from tests.browser.pages import sign_in
from tests.support import demo

from pilotzone.web.deadlines import tenant_today

GZ = "/z/guangzhou"


def _owner(owner_dsn: str, sql: str, *args: object) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(owner_dsn)
        try:
            await conn.execute(sql, *args)
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=30)


@pytest.fixture
def key(owner_dsn: str) -> Iterator[str]:
    made = f"journey-built-{uuid.uuid4().hex[:6]}"
    yield made
    for sql in (
        "UPDATE program SET current_version = NULL WHERE key = $1",
        "DELETE FROM round WHERE program IN (SELECT id FROM program WHERE key = $1)",
        "DELETE FROM program_version WHERE program IN (SELECT id FROM program WHERE key = $1)",
        "DELETE FROM program WHERE key = $1",
    ):
        _owner(owner_dsn, sql, made)


def test_builder_journey(server: str, browser: Browser, key: str) -> None:
    page = browser.new_context().new_page()
    sign_in(page, server, demo("admin", "guangzhou"), f"{GZ}/programs/")
    page.get_by_role("link", name="新建扶持项目").click()
    expect(page).to_have_url(server + f"{GZ}/programs/new")
    expect(page.locator("textarea[name=details]")).to_have_count(0)  # no TOML to type

    page.get_by_label("标识（字母、数字、“-”）").fill(key)
    page.get_by_label("名称（中文）", exact=True).fill("旅程构建的出口奖励")
    page.get_by_label("名称（英文）", exact=True).fill("Export reward built in the journey")
    page.get_by_label("申报金额单位").select_option("万元")
    row = page.locator("#rows-inputs fieldset.panel").first
    row.get_by_label(re.compile("^代码")).fill("exports")
    row.get_by_label("显示名称（中文）").fill("年度跨境出口额")
    row.get_by_label("显示名称（英文）").fill("Cross-border exports")
    row.get_by_label("类型", exact=True).select_option("amount")
    row.get_by_label("最小值").fill("0")
    # a constant row, added with HTMX (only the constants are swapped: what was typed stays)
    page.locator("#rows-constants").get_by_role("button", name="添加一行").click()
    expect(page.locator("#constants-0-name")).to_be_visible()
    expect(page.get_by_label("标识（字母、数字、“-”）")).to_have_value(key)
    page.locator("#constants-0-name").fill("rate")
    page.locator("#constants-0-value").fill("0.001")
    # the sample inputs follow the input rows; the preview follows every change
    expect(page.locator("#sample-exports")).to_be_visible()
    page.get_by_label("每户上限（元）").fill("50000")
    page.get_by_label("计算公式（以元计）").fill("exports * rat")
    page.locator("#sample-exports").fill("200")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("第 1 行第 11 个字符")
    expect(preview).to_contain_text("“rat”既不是本项目的申报项，也不是常量")
    page.get_by_label("计算公式（以元计）").fill("exports * rate")
    expect(page.locator("#preview-amount")).to_have_text("2,000.00 元")  # 200 万元 × 0.001
    expect(preview).to_contain_text("年度跨境出口额")

    page.get_by_role("button", name="保存", exact=True).click()
    expect(page).to_have_url(server + f"{GZ}/programs/{key}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("旅程构建的出口奖励")

    # a round that opens today, with date inputs
    page.get_by_role("link", name="新建申报批次").click()
    expect(page).to_have_url(server + f"{GZ}/programs/{key}/rounds/new")
    today = tenant_today()
    page.get_by_label("批次名称（中文）").fill("2026年度")
    page.get_by_label("批次名称（英文）").fill("2026 round")
    page.get_by_label("预算", exact=True).fill("2500000")
    expect(page.get_by_label("开始日期")).to_have_attribute("type", "date")
    page.get_by_label("开始日期").fill(today.isoformat())
    page.get_by_label("截止日期（当日结束时截止）").fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("申报总额超出预算时的分配方式").select_option("ranked")
    page.get_by_role("button", name="创建批次").click()
    expect(page).to_have_url(server + f"{GZ}/programs/{key}")
    rounds = page.locator("section[aria-labelledby=rounds-heading] tbody tr")
    expect(rounds).to_have_count(1)
    expect(rounds.first).to_contain_text("2026年度")
    expect(rounds.first).to_contain_text("2,500,000.00 元")
    expect(rounds.first).to_contain_text("申报中")

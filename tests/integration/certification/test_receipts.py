"""受理回执 and times read in Beijing time: after a certification application is submitted, after a
reviewer decides and after an objection is raised, the page shows the reference number, the time in the
tenant's zone and what happens next; no page says "UTC"."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from tests import factories
from tests.integration.certification.steps import GZ, score_form, submit_new
from tests.support import ROOT, csrf_of, demo

BEIJING = ZoneInfo("Asia/Shanghai")


def _reference(page: str) -> str:
    found = re.search(r'<strong id="receipt-reference">([^<]+)</strong>', page)
    assert found, "no receipt on the page"
    return found.group(1)


def _html_errors(page: str, tmp_path: Path) -> list[str]:
    """The Nu HTML checker's errors on one page (npm ``vnu-jar``)."""
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    vnu = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    checked = subprocess.run(  # noqa: S603 - the checker the project ships
        ["java", "-jar", str(vnu), "--errors-only", "--format", "json", str(tmp_path / "page.html")],  # noqa: S607
        capture_output=True, text=True, timeout=120, check=False,
    )
    return [m["message"] for m in json.loads(checked.stderr)["messages"] if m["type"] == "error"]


async def test_submit_shows_a_receipt_in_beijing_time(
    as_user, owner: asyncpg.Connection, arranged, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submit_new(client, arranged["warehouse"])
        at = await owner.fetchval("SELECT submitted_at FROM submission WHERE id = $1", app_id)
        plain = await client.get(f"{GZ}/applications/{app_id}")
        assert plain.status_code == 200 and 'id="receipt"' not in plain.text  # only after the event
        page = await client.get(f"{GZ}/applications/{app_id}?receipt=submitted")
    assert page.status_code == 200
    local = at.astimezone(BEIJING)
    assert _reference(page.text) == f"RD-{local:%Y%m%d}-{app_id:06d}"
    assert f'id="receipt-time">{local:%Y-%m-%d %H:%M:%S}</time>' in page.text  # Beijing time …
    assert f"{local:%Y-%m-%d %H:%M}</time>" in page.text  # … also the page's "Submitted at"
    assert "UTC" not in page.text and "北京时间" in page.text
    next_step = page.text.split('id="receipt-next"', 1)[1].split("</dl>", 1)[0]
    assert "审核（第 1 阶段" in next_step and "区级审核员" in next_step  # the next stage and who acts
    assert 'href="/static/css/receipt.css"' in page.text  # printable: the print stylesheet
    assert _html_errors(page.text, tmp_path) == []


async def test_a_decision_gets_a_receipt_and_the_applicant_reads_states_by_label(
    as_user, owner: asyncpg.Connection, arranged
) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submit_new(client, arranged["warehouse"])
    async with as_user(demo("district", "guangzhou")) as district:
        form = {"decision": "approve", "comment": "材料齐全", **await score_form(owner, app_id, 0.9)}
        decided = await district.post(f"{GZ}/reviews/{app_id}", data=form, follow_redirects=False)
        assert decided.status_code == 303 and decided.headers["location"] == f"{GZ}/reviews/?decided={app_id}"
        page = await district.get(decided.headers["location"])
        other = await district.get(f"{GZ}/reviews/?decided={arranged['foreign']}")  # no step of theirs there
    step = await owner.fetchrow(
        "SELECT id, created_at FROM review_step WHERE submission = $1 ORDER BY id DESC LIMIT 1", app_id
    )
    assert _reference(page.text) == f"SH-{step['created_at'].astimezone(BEIJING):%Y%m%d}-{step['id']:06d}"
    assert "审核决定回执" in page.text and "已通过" in page.text and "材料齐全" in page.text
    assert "第 2 阶段" in page.text  # next: the second stage
    assert 'id="receipt"' not in other.text
    async with as_user(demo("enterprise", "guangzhou")) as client:
        mine = await client.get(f"{GZ}/applications/{app_id}")
    history = mine.text.split('id="history-heading"', 1)[1]
    assert "审核中" in history and ">in_review<" not in history and ">submitted<" not in history


async def test_an_objection_gets_a_signed_receipt(client, owner: asyncpg.Connection, arranged) -> None:
    scheme = await factories.scheme("guangzhou", "overseas-warehouse")
    until = datetime.now(UTC) + timedelta(days=5)
    name = f"回执测试仓{factories.unique()}"
    app = await factories.application(
        "guangzhou", scheme, "overseas_warehouse", arranged["warehouse"], status="notice",
        subject_label=name, moved_at=datetime.now(UTC) - timedelta(days=1), notice_until=until,
    )
    sent = await client.post(
        f"{GZ}/notices/{app.id}/objections",
        data={"name": "张三", "contact": "13800000000", "reason": "面积与实际不符", "csrf_token": await csrf_of(client)},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    assert re.search(r"\?objected=\d+-[0-9a-f]{20}$", sent.headers["location"])
    page = await client.get(sent.headers["location"])
    objection = await owner.fetchrow(
        "SELECT o.id, o.created_at FROM objection o JOIN notice n ON n.id = o.notice WHERE n.submission = $1", app.id
    )
    local = objection["created_at"].astimezone(BEIJING)
    assert _reference(page.text) == f"YY-{local:%Y%m%d}-{objection['id']:06d}"
    assert "异议受理回执" in page.text and name in page.text
    assert f"{until.astimezone(BEIJING):%Y-%m-%d} 前" in page.text  # the bureau decides before the notice ends
    forged = await client.get(f"{GZ}/notices/?objected={objection['id']}-{'0' * 20}")
    assert forged.status_code == 200 and 'id="receipt"' not in forged.text


async def test_the_bureaus_decision_on_an_objection_gets_a_receipt(
    client, admin_gz, owner: asyncpg.Connection, arranged
) -> None:  # type: ignore[no-untyped-def]
    scheme = await factories.scheme("guangzhou", "overseas-warehouse")
    until = datetime.now(UTC) + timedelta(days=5)
    app = await factories.application(
        "guangzhou", scheme, "overseas_warehouse", arranged["warehouse"], status="notice",
        subject_label=f"异议处理回执{factories.unique()}", moved_at=datetime.now(UTC) - timedelta(days=1),
        notice_until=until,
    )
    sent = await client.post(
        f"{GZ}/notices/{app.id}/objections",
        data={"contact": "13800000000", "reason": "经营地址不实", "csrf_token": await csrf_of(client)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    objection = await owner.fetchval(
        "SELECT o.id FROM objection o JOIN notice n ON n.id = o.notice WHERE n.submission = $1", app.id
    )
    before = await admin_gz.get(f"{GZ}/notices/objections?resolved={objection}")
    assert 'id="receipt"' not in before.text  # still open: nothing decided yet
    done = await admin_gz.post(
        f"{GZ}/notices/objections/{objection}/resolve",
        data={"decision": "dismissed", "note": "经核实地址属实"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{GZ}/notices/objections?resolved={objection}"
    page = await admin_gz.get(done.headers["location"])
    resolved_at = await owner.fetchval("SELECT resolved_at FROM objection WHERE id = $1", objection)
    assert _reference(page.text) == f"YJ-{resolved_at.astimezone(BEIJING):%Y%m%d}-{objection:06d}"
    assert "异议不成立" in page.text and "经核实地址属实" in page.text and "公示继续" in page.text

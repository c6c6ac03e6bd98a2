"""Rounds made in a form with date inputs (open today or scheduled), and one program moved between
cities as TOML: exported in guangzhou, imported in foshan, the same spec."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from tests.support import csrf_of

ERROR = re.compile(r'<p id="(?P<field>[a-z0-9_-]+)-error" class="field-error" role="alert">(?P<text>[^<]*)</p>')
SPEC_OF = (
    "SELECT v.spec FROM program p JOIN program_version v ON v.id = p.current_version "
    "WHERE p.tenant_id = $1 AND p.key = $2"
)


@pytest.fixture
async def made(owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[str]:
    """A program of guangzhou (made through the factories, as the file would) with a constant, a
    condition on inputs and a 万元 unit; afterwards it goes, with its rounds, in every tenant."""
    from tests import factories

    key = f"moved-{uuid.uuid4().hex[:6]}"
    spec = {
        "key": key, "subject": "enterprise", "name_zh": "“双11”物流补贴", "name_en": "Logistics \"11.11\" aid",
        "description_zh": "第一行\n第二行", "unit": "万元", "example_parameters": True,
        "inputs": [
            {"key": "exports", "type": "amount", "label_zh": "出口额", "label_en": "Exports", "min": "0.5"},
            {"key": "area", "type": "decimal", "label_zh": "面积", "label_en": "Area", "unit": "m²", "required": False},
        ],
        "documents": [{"key": "report", "label_zh": "审计报告", "label_en": "Audit", "types": ["application/pdf", "image/png"]}],
        "eligibility": [{"kind": "input", "expr": "exports >= 1_000_000", "message_zh": "出口额不少于 100 万元",
                         "message_en": "exports at least 1 million"}, {"kind": "registered"}],
        "constants": {"rate": "0.015", "floor": "20000.50"},
        "formula": "max(tier(exports, [[1_000_000, 50_000], [5_000_000, 300_000]]), exports * rate, floor)",
        "cap": "500000.00", "allocation": "first_come", "notice_days": 5,
        "stages": ["district_reviewer", "bureau_reviewer", "bureau_admin"],
    }  # fmt: skip
    await factories.program("guangzhou", key, spec=spec, name_zh=spec["name_zh"], name_en=spec["name_en"])
    yield key
    ours = "SELECT id FROM program WHERE key = $1"
    for sql in (
        "UPDATE program SET current_version = NULL WHERE key = $1",
        f"DELETE FROM round WHERE program IN ({ours})",  # noqa: S608
        f"DELETE FROM program_version WHERE program IN ({ours})",  # noqa: S608
        "DELETE FROM program WHERE key = $1",
    ):
        await owner.execute(sql, key)


async def test_export_import_in_another_city_gives_the_same_spec(
    admin_gz, admin_fs, owner: asyncpg.Connection, tenants: dict, made: str
) -> None:
    exported = await admin_gz.get(f"/z/guangzhou/programs/{made}/export.toml")
    assert exported.status_code == 200 and exported.headers["content-disposition"] == f'attachment; filename="{made}.toml"'
    assert exported.text.startswith("[[programs]]\n") and "[programs.constants]" in exported.text
    page = await admin_fs.get("/z/foshan/programs/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    token = await csrf_of(admin_fs)
    files = {"file": (f"{made}.toml", exported.content, "application/toml")}
    imported = await admin_fs.post("/z/foshan/programs/import", data={"csrf_token": token}, files=files,
                                   follow_redirects=False)
    assert imported.status_code == 303, ERROR.findall(imported.text) or imported.text[-800:]
    assert imported.headers["location"] == f"/z/foshan/programs/{made}"
    from pilotzone.funding.program_spec import from_stored
    from pilotzone.funding.programs import to_json

    there = json.loads(await owner.fetchval(SPEC_OF, tenants["foshan"], made))
    here = to_json(from_stored(await owner.fetchval(SPEC_OF, tenants["guangzhou"], made)))
    assert there == here and there["constants"] == {"rate": "0.015", "floor": "20000.50"}
    assert there["description_zh"] == "第一行\n第二行" and there["name_en"] == 'Logistics "11.11" aid'
    assert await owner.fetchval(
        "SELECT source FROM program WHERE tenant_id = $1 AND key = $2", tenants["foshan"], made) == "editor"
    # the same file again: the key is taken, nothing changes; a broken file says why, in words
    again = await admin_fs.post("/z/foshan/programs/import", data={"csrf_token": token, "text": exported.text})
    assert again.status_code == 400 and made in again.text
    broken = exported.text.replace("exports * rate", "exports * rat")
    refused = await admin_fs.post("/z/foshan/programs/import", data={"csrf_token": token, "text": broken.replace(made, made + "x")})
    assert refused.status_code == 400 and "“rat”既不是本项目的申报项，也不是常量" in refused.text
    assert await owner.fetchval("SELECT count(*) FROM program WHERE key = $1", made + "x") == 0
    without_token = await admin_fs.post("/z/foshan/programs/import", data={"text": exported.text}, files={"x": ("a", b"")},
                                        headers={"X-CSRF-Token": ""})
    assert without_token.status_code == 403


async def test_round_form_with_date_inputs(admin_gz, owner: asyncpg.Connection, tenants: dict, made: str) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    form_page = await admin_gz.get(f"/z/guangzhou/programs/{made}/rounds/new")
    assert form_page.status_code == 200
    for name in ("opens_at", "closes_at"):
        assert f'<input id="{name}" name="{name}" type="date"' in form_page.text
    assert form_page.text.index('<label for="budget">') < form_page.text.index('id="budget"')  # label first
    assert 'value="first_come" selected' in form_page.text  # the program's rule
    base = {"name_zh": "2026 年度", "name_en": "2026", "budget": "3,000,000", "rule": "pro_rata"}
    now_open = {**base, "opens_at": today.isoformat(), "closes_at": (today + timedelta(days=30)).isoformat()}
    later = {**base, "name_zh": "下半年", "opens_at": (today + timedelta(days=10)).isoformat(),
             "closes_at": (today + timedelta(days=40)).isoformat()}
    for data in (now_open, later):
        response = await admin_gz.post(f"/z/guangzhou/programs/{made}/rounds/", data=data, follow_redirects=False)
        assert response.status_code == 303, ERROR.findall(response.text)
    rows = await owner.fetch(
        "SELECT r.id, r.key, r.name_zh, r.status, r.budget, r.opens_at FROM round r JOIN program p ON p.id = r.program "
        "WHERE p.tenant_id = $1 AND p.key = $2 ORDER BY r.id", tenants["guangzhou"], made)
    assert [(r["name_zh"], r["status"], str(r["budget"])) for r in rows] == [
        ("2026 年度", "open", "3000000.00"), ("下半年", "scheduled", "3000000.00")]
    assert rows[0]["key"] != rows[1]["key"]
    bad = {**base, "opens_at": today.isoformat(), "closes_at": (today - timedelta(days=1)).isoformat(), "budget": "-5"}
    refused = await admin_gz.post(f"/z/guangzhou/programs/{made}/rounds/", data=bad)
    assert refused.status_code == 400 and set(dict(ERROR.findall(refused.text))) == {"closes_at", "budget"}
    assert 'value="-5"' in refused.text
    # changing the later round to open today opens it
    edit = await admin_gz.get(f"/z/guangzhou/programs/{made}/rounds/{rows[1]['id']}/edit")
    assert edit.status_code == 200 and f'value="{(today + timedelta(days=10)).isoformat()}"' in edit.text
    moved = {**later, "opens_at": today.isoformat()}
    assert (await admin_gz.post(f"/z/guangzhou/programs/{made}/rounds/{rows[1]['id']}", data=moved,
                                follow_redirects=False)).status_code == 303
    assert await owner.fetchval("SELECT status FROM round WHERE id = $1", rows[1]["id"]) == "open"
    await owner.execute("UPDATE round SET status = 'closed' WHERE id = $1", rows[0]["id"])
    closed = await admin_gz.post(f"/z/guangzhou/programs/{made}/rounds/{rows[0]['id']}", data=now_open)
    assert closed.status_code == 409
    program = await admin_gz.get(f"/z/guangzhou/programs/{made}")
    assert "3,000,000.00" in program.text and f"/rounds/{rows[1]['id']}/edit" in program.text
    assert f"/rounds/{rows[0]['id']}/edit" not in program.text
    assert date.fromisoformat(str(rows[0]["opens_at"])) == today

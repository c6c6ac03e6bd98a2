"""Program pages (members) and the bureau-admin program editor (new versions, errors at the field)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from tests.support import demo

from pilotzone.provisioning import sync

ROOT = Path(__file__).resolve().parents[3]
FORMULA_ERROR = re.compile(r'<p id="formula-error" class="field-error" role="alert">([^<]*)</p>')


async def test_list_and_detail_for_members(as_user) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        index = await client.get("/z/guangzhou/programs/")
        assert index.status_code == 200
        assert "跨境电商出口业绩奖励" in index.text and "公共海外仓建设资金支持" in index.text
        assert 'href="/z/guangzhou/programs/"' in index.text  # in the navigation
        assert "/programs/new" not in index.text  # only bureau admins edit
        detail = await client.get("/z/guangzhou/programs/warehouse-construction")
        assert detail.status_code == 200
        for text in (
            "示例参数 / example parameters",
            "min(〔建设实际投入〕 * 〔share = 0.3〕, 2_000_000)",  # the formula with labels
            "min(cost * share, 2_000_000)",
            "仓储面积不少于 2000 平方米",
            "10,000,000.00 元",  # the round's budget, with separators and unit
            "2026-03-01 – 2026-10-31",
            "按评分排序",
            "2,000,000.00 元",  # the cap
        ):
            assert text in detail.text, text
        assert "/edit" not in detail.text
        assert (await client.get("/z/guangzhou/programs/no-such")).status_code == 404
        assert (await client.get("/z/guangzhou/programs/new")).status_code == 403
        assert (await client.get("/z/guangzhou/programs/export-reward/edit")).status_code == 403


@pytest.fixture
async def new_key(owner: asyncpg.Connection) -> AsyncIterator[str]:
    """A key no program has yet; afterwards the program the editor made under it goes, with its
    versions and rounds."""
    key = f"route-{uuid.uuid4().hex[:6]}"
    yield key
    ours = "SELECT id FROM program WHERE key = $1"
    for sql in (
        "UPDATE program SET current_version = NULL WHERE key = $1",
        f"DELETE FROM round WHERE program IN ({ours})",  # noqa: S608
        f"DELETE FROM program_version WHERE program IN ({ours})",  # noqa: S608
        "DELETE FROM program WHERE key = $1",
    ):
        await owner.execute(sql, key)


async def test_admin_creates_a_program_and_a_new_version(
    admin_gz, owner: asyncpg.Connection, tenants: dict, new_key: str
) -> None:
    key = new_key
    form = {
        "key": key,
        "subject": "enterprise",
        "name_zh": "新开货运航线补贴",
        "name_en": "New freight route subsidy",
        "formula": "min(trips, 52) * per_trip",
        "cap": "1040000",
        "allocation": "ranked",
        "partial": "1",
        "example_parameters": "1",
        "details": (
            'stages = ["bureau_reviewer", "bureau_admin"]\n\n[constants]\nper_trip = 20000\n\n'
            '[[inputs]]\nkey = "trips"\ntype = "integer"\nlabel_zh = "开行班次"\nlabel_en = "Trips"\nmin = 0\n\n'
            '[[eligibility]]\nkind = "not_on_negative_list"\n'
        ),
        "round_key": "2026",
        "round_name_zh": "2026 年度",
        "round_name_en": "2026 round",
        "round_budget": "2000000",
        "round_opens": "2026-06-01",
        "round_closes": "2026-12-31",
    }
    new = await admin_gz.get("/z/guangzhou/programs/new")
    assert new.status_code == 200 and 'name="formula"' in new.text
    created = await admin_gz.post("/z/guangzhou/programs/", data=form, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == f"/z/guangzhou/programs/{key}"
    row = await owner.fetchrow(
        "SELECT p.id, p.version, v.created_by, v.spec, r.budget, r.rule, r.partial FROM program p "
        "JOIN program_version v ON v.id = p.current_version JOIN round r ON r.program = p.id "
        "WHERE p.tenant_id = $1 AND p.key = $2", tenants["guangzhou"], key)
    assert row["version"] == 1 and row["created_by"] is not None
    assert (str(row["budget"]), row["rule"], row["partial"]) == ("2000000.00", "ranked", True)
    assert await owner.fetchval("SELECT name_zh FROM round WHERE program = $1", row["id"]) == "2026 年度"
    assert json.loads(row["spec"])["constants"] == {"per_trip": "20000"}
    await sync(ROOT / "tenants")  # a program made in the editor is not the file's: sync leaves it alone
    assert await owner.fetchval("SELECT active FROM program WHERE id = $1", row["id"]) is True

    # an edit with a formula error re-renders the form at the field with what was typed, and writes nothing
    bad = {**form, "formula": "min(trips, 52) * per_trips"}
    response = await admin_gz.post(f"/z/guangzhou/programs/{key}", data=bad)
    assert response.status_code == 400
    assert 'id="formula" name="formula" rows="4" spellcheck="false" class="code" aria-invalid="true"' in response.text
    message = FORMULA_ERROR.search(response.text)
    assert message and "17" in message.group(1) and "per_trips" in message.group(1), message
    assert "min(trips, 52) * per_trips" in response.text
    bad_details = {**form, "details": form["details"].replace("min = 0", 'min = "x"')}
    response = await admin_gz.post(f"/z/guangzhou/programs/{key}", data=bad_details)
    assert response.status_code == 400 and 'id="details-error"' in response.text and "inputs[0].min" in response.text
    bad_round = {**form, "round_closes": "2026-01-01"}
    response = await admin_gz.post(f"/z/guangzhou/programs/{key}", data=bad_round)
    assert response.status_code == 400 and 'id="round_closes-error"' in response.text
    assert await owner.fetchval("SELECT version FROM program WHERE id = $1", row["id"]) == 1

    # a real change: version 2; the old version stays
    edit = await admin_gz.get(f"/z/guangzhou/programs/{key}/edit")
    assert edit.status_code == 200 and "per_trip = 20000" in edit.text
    changed = {**form, "formula": "min(trips, 60) * per_trip"}
    saved = await admin_gz.post(f"/z/guangzhou/programs/{key}", data=changed, follow_redirects=False)
    assert saved.status_code == 303
    versions = await owner.fetch(
        "SELECT version, spec->>'formula' AS formula FROM program_version WHERE program = $1 ORDER BY version",
        row["id"])
    assert [(v["version"], v["formula"]) for v in versions] == [
        (1, "min(trips, 52) * per_trip"), (2, "min(trips, 60) * per_trip")]
    same = await admin_gz.post(f"/z/guangzhou/programs/{key}", data=changed, follow_redirects=False)
    assert same.status_code == 303
    assert await owner.fetchval("SELECT version FROM program WHERE id = $1", row["id"]) == 2  # no change, no version
    actions = [r["action"] for r in await owner.fetch(
        "SELECT action FROM audit_log WHERE tenant_id = $1 AND object_type = 'program' AND object_id = $2 ORDER BY id",
        tenants["guangzhou"], str(row["id"]))]
    assert actions == ["program.created", "program.versioned"]
    page = await admin_gz.get(f"/z/guangzhou/programs/{key}")
    assert "示例参数 / example parameters" in page.text and "min(〔开行班次〕, 60)" in page.text

    duplicate = await admin_gz.post("/z/guangzhou/programs/", data=form)
    assert duplicate.status_code == 400 and 'id="key-error"' in duplicate.text


async def test_another_tenant_does_not_see_the_program(admin_fs) -> None:
    page = await admin_fs.get("/z/foshan/programs/freight-route")
    assert page.status_code == 404  # shantou has it, foshan does not
    assert (await admin_fs.get("/z/guangzhou/programs/")).status_code in (403, 404)

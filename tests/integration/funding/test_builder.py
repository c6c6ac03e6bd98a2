"""The program builder: a program made in forms (rows, no TOML), field errors that keep what was typed,
formula errors in words at their line and column, the preview against the calculation engine."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from pilotzone.provisioning import sync

ROOT = Path(__file__).resolve().parents[3]

ERROR = re.compile(r'<p id="(?P<field>[a-z0-9_-]+)-error" class="field-error" role="alert">(?P<text>[^<]*)</p>')
AMOUNT = re.compile(r'id="preview-amount" data-amount="(?P<amount>[0-9.]+)"')


@pytest.fixture
async def new_key(owner: asyncpg.Connection) -> AsyncIterator[str]:
    """A key no program has yet; afterwards every program under it goes (in every tenant)."""
    key = f"built-{uuid.uuid4().hex[:6]}"
    yield key
    ours = "SELECT id FROM program WHERE key = $1"
    for sql in (
        "UPDATE program SET current_version = NULL WHERE key = $1",
        f"DELETE FROM round WHERE program IN ({ours})",  # noqa: S608
        f"DELETE FROM program_version WHERE program IN ({ours})",  # noqa: S608
        "DELETE FROM program WHERE key = $1",
    ):
        await owner.execute(sql, key)


def built(key: str, **changes: str) -> dict[str, str]:
    """A builder form as a browser posts it: two inputs, a document, two conditions, a constant."""
    form = {
        "key": key, "subject": "enterprise", "name_zh": "新开货运航线补贴", "name_en": "New freight route subsidy",
        "unit": "万元", "example_parameters": "1", "allocation": "ranked", "partial": "1", "notice_days": "7",
        "inputs-0-key": "trips", "inputs-0-label_zh": "开行班次", "inputs-0-label_en": "Trips",
        "inputs-0-type": "integer", "inputs-0-unit": "班", "inputs-0-min": "0", "inputs-0-required": "1",
        "inputs-1-key": "cost", "inputs-1-label_zh": "航线运营成本", "inputs-1-label_en": "Route cost",
        "inputs-1-type": "amount", "inputs-1-min": "0", "inputs-1-required": "1",
        "documents-0-key": "contract", "documents-0-label_zh": "包机合同", "documents-0-label_en": "Charter contract",
        "documents-0-types": "application/pdf", "documents-0-required": "1",
        "rules-0-fact": "registered", "rules-1-fact": "not_on_negative_list",
        "constants-0-name": "per_trip", "constants-0-value": "20000",
        "stages-0-role": "bureau_reviewer", "stages-1-role": "bureau_admin",
        "formula": "min(min(trips, 52) * per_trip + cost * 0.1, 2_000_000)", "cap": "1500000",
        "sample-trips": "30", "sample-cost": "120",
    }  # fmt: skip
    form.update(changes)
    return form


async def test_build_a_program_then_a_new_version(admin_gz, owner: asyncpg.Connection, tenants: dict,
                                                  new_key: str) -> None:
    page = await admin_gz.get("/z/guangzhou/programs/new")
    assert page.status_code == 200
    assert 'name="inputs-0-key"' in page.text and 'name="details"' not in page.text  # rows, no TOML
    assert 'data-hx-post="/z/guangzhou/programs/preview"' in page.text
    saved = await admin_gz.post("/z/guangzhou/programs/", data=built(new_key), follow_redirects=False)
    assert saved.status_code == 303, ERROR.findall(saved.text)
    assert saved.headers["location"] == f"/z/guangzhou/programs/{new_key}"
    row = await owner.fetchrow(
        "SELECT p.id, p.version, p.source, v.spec, v.created_by FROM program p "
        "JOIN program_version v ON v.id = p.current_version WHERE p.tenant_id = $1 AND p.key = $2",
        tenants["guangzhou"], new_key)
    assert (row["version"], row["source"]) == (1, "editor") and row["created_by"] is not None
    spec = json.loads(row["spec"])
    assert [i["key"] for i in spec["inputs"]] == ["trips", "cost"] and spec["inputs"][0]["unit"] == "班"
    assert spec["unit"] == "万元" and spec["constants"] == {"per_trip": "20000"} and spec["cap"] == "1500000"
    assert spec["documents"][0]["types"] == ["application/pdf"]
    assert [r["kind"] for r in spec["eligibility"]] == ["registered", "not_on_negative_list"]
    assert (spec["allocation"], spec["partial"], spec["stages"]) == ("ranked", True, ["bureau_reviewer", "bureau_admin"])

    edit = await admin_gz.get(f"/z/guangzhou/programs/{new_key}/edit")
    assert edit.status_code == 200 and 'value="per_trip"' in edit.text and 'value="trips"' in edit.text
    # a row left empty is no part of the program; a changed formula is version 2
    changed = built(new_key, formula="min(trips, 60) * per_trip + cost * 0.1", **{"inputs-2-key": "", "inputs-2-label_zh": ""})
    assert (await admin_gz.post(f"/z/guangzhou/programs/{new_key}", data=changed, follow_redirects=False)).status_code == 303
    versions = await owner.fetch(
        "SELECT version, spec->>'formula' AS formula FROM program_version WHERE program = $1 ORDER BY version", row["id"])
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["formula"] == "min(trips, 60) * per_trip + cost * 0.1"
    same = await admin_gz.post(f"/z/guangzhou/programs/{new_key}", data=changed, follow_redirects=False)
    assert same.status_code == 303  # nothing changed: no version
    assert await owner.fetchval("SELECT version FROM program WHERE id = $1", row["id"]) == 2
    actions = [r["action"] for r in await owner.fetch(
        "SELECT action FROM audit_log WHERE tenant_id = $1 AND object_type = 'program' AND object_id = $2 ORDER BY id",
        tenants["guangzhou"], str(row["id"]))]
    assert actions == ["program.created", "program.versioned"]
    await sync(ROOT / "tenants")  # a program made in the builder is not the file's: sync leaves it alone
    assert await owner.fetchval("SELECT (active AND version = 2) FROM program WHERE id = $1", row["id"]) is True
    program_page = await admin_gz.get(f"/z/guangzhou/programs/{new_key}")
    assert "min(〔开行班次〕, 60) * 〔per_trip = 20000〕" in program_page.text
    assert f"/z/guangzhou/programs/{new_key}/export.toml" in program_page.text
    assert f"/z/guangzhou/programs/{new_key}/rounds/new" in program_page.text


async def test_a_bad_row_is_a_field_error_and_nothing_is_saved(admin_gz, owner: asyncpg.Connection, new_key: str) -> None:
    bad = built(new_key, **{"inputs-1-min": "很多", "inputs-1-max": ""})
    response = await admin_gz.post("/z/guangzhou/programs/", data=bad)
    assert response.status_code == 400
    errors = dict(ERROR.findall(response.text))
    assert set(errors) == {"inputs-1-min"} and "数" in errors["inputs-1-min"], errors
    assert 'id="inputs-1-min" name="inputs-1-min" type="text" value="很多"' in response.text  # kept as typed
    assert 'value="航线运营成本"' in response.text and 'value="per_trip"' in response.text
    # a check beyond the types: the last stage must be the bureau admin; the row is named
    stages = built(new_key, **{"stages-1-role": "bureau_reviewer"})
    response = await admin_gz.post("/z/guangzhou/programs/", data=stages)
    assert response.status_code == 400 and "stages" in dict(ERROR.findall(response.text))
    duplicate = built(new_key, **{"inputs-1-key": "trips"})
    response = await admin_gz.post("/z/guangzhou/programs/", data=duplicate)
    assert response.status_code == 400 and "inputs-1-key" in dict(ERROR.findall(response.text))
    assert await owner.fetchval("SELECT count(*) FROM program WHERE key = $1", new_key) == 0


async def test_formula_error_in_words_at_its_position(admin_gz, owner: asyncpg.Connection, new_key: str) -> None:
    form = built(new_key, formula="min(trips, 52)\n  * per_trips")
    response = await admin_gz.post("/z/guangzhou/programs/", data=form)
    assert response.status_code == 400
    text = dict(ERROR.findall(response.text))["formula"]
    assert "第 2 行第 5 个字符" in text and "per_trips" in text and "常量" in text, text
    assert "Error" not in text and "unknown name" not in text  # words, not the exception
    caret = re.search(r'<pre class="field-error caret" aria-hidden="true">(.*?)</pre>', response.text, re.S)
    assert caret is not None and caret.group(1) == "  * per_trips\n    ^"
    unclosed = await admin_gz.post("/z/guangzhou/programs/", data=built(new_key, formula="min(trips, 52"))
    assert "第 1 行第 14 个字符" in dict(ERROR.findall(unclosed.text))["formula"]
    assert "缺少右括号" in dict(ERROR.findall(unclosed.text))["formula"]
    assert await owner.fetchval("SELECT count(*) FROM program WHERE key = $1", new_key) == 0


async def test_preview_equals_the_engine(admin_gz, new_key: str) -> None:
    from pilotzone.funding.services import evaluate

    form = built(new_key, action="preview")
    response = await admin_gz.post("/z/guangzhou/programs/", data=form)  # without JavaScript: the page again
    assert response.status_code == 200 and "<html" in response.text
    shown = AMOUNT.search(response.text)
    assert shown is not None
    # trips 30 → 600,000; cost 120 万元 = 1,200,000 元 → 120,000; total 720,000
    assert Decimal(shown["amount"]) == Decimal("720000.00") and "720,000.00 元" in response.text
    fragment = await admin_gz.post("/z/guangzhou/programs/preview", data=built(new_key, **{"sample-trips": "60"}),
                                   headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and fragment.text.lstrip().startswith("<section id=\"preview\"")
    hx_amount = Decimal(AMOUNT.search(fragment.text)["amount"])  # type: ignore[index]
    assert (await admin_gz.post("/z/guangzhou/programs/", data=built(new_key), follow_redirects=False)).status_code == 303
    for trips, shown_amount in (("30", Decimal(shown["amount"])), ("60", hx_amount)):
        engine = await evaluate("guangzhou", new_key, {"trips": trips, "cost": "120"})
        assert Decimal(engine["amount"]) == shown_amount
    assert hx_amount == Decimal("1160000.00")  # min(60, 52) * 20000 + 120000
    mistake = await admin_gz.post("/z/guangzhou/programs/preview", data=built(new_key, formula="trips *\n cost * rat"),
                                  headers={"HX-Request": "true"})
    assert "第 2 行第 9 个字符" in mistake.text and "> cost * rat\n        ^</pre>" in mistake.text
    missing = await admin_gz.post("/z/guangzhou/programs/preview", data=built(new_key, **{"sample-cost": ""}),
                                  headers={"HX-Request": "true"})
    assert 'id="preview-amount"' not in missing.text
    assert "示例值“航线运营成本”：请填写示例值以预览金额。" in missing.text
    unnamed = await admin_gz.post("/z/guangzhou/programs/preview", data=built("", name_zh="", name_en=""),
                                  headers={"HX-Request": "true"})
    assert Decimal(AMOUNT.search(unnamed.text)["amount"]) == Decimal("720000.00")  # type: ignore[index]


async def test_rows_are_added_and_removed_with_and_without_javascript(admin_gz, new_key: str) -> None:
    added = await admin_gz.post("/z/guangzhou/programs/", data=built(new_key, action="add:inputs"))
    assert added.status_code == 200 and "<html" in added.text
    assert 'name="inputs-2-key"' in added.text and 'value="航线运营成本"' in added.text
    assert not ERROR.search(added.text)  # adding a row checks nothing yet
    hx = await admin_gz.post("/z/guangzhou/programs/", data=built(new_key, action="add:constants"),
                             headers={"HX-Request": "true"})
    assert hx.status_code == 200 and "<html" not in hx.text and 'id="rows-constants"' in hx.text
    assert 'name="constants-1-name"' in hx.text and 'name="inputs-0-key"' not in hx.text
    removed = await admin_gz.post("/z/guangzhou/programs/", data=built(new_key, action="remove:inputs:0"))
    assert 'value="trips"' not in removed.text and 'name="inputs-0-key" type="text" value="cost"' in removed.text

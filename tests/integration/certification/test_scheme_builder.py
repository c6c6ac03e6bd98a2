"""The scheme builder: a scheme made in forms (versioned like the file's), field errors that keep what
was typed, the next certificate number previewed, one scheme moved to another city as TOML."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from tests.support import ROOT, csrf_of

ERROR = re.compile(r'<p id="(?P<field>[a-z0-9_-]+)-error" class="field-error" role="alert">(?P<text>[^<]*)</p>')


@pytest.fixture
async def key(owner: asyncpg.Connection) -> AsyncIterator[str]:
    made = f"built-{uuid.uuid4().hex[:6]}"
    yield made
    await owner.execute("DELETE FROM certificate_counter WHERE scheme_key = $1", made)
    await owner.execute("DELETE FROM scheme WHERE key = $1", made)


def scheme(key: str, prefix: str = "GZ", **changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "key": key, "subject": "enterprise", "name_zh": "跨境电商品牌企业认定", "name_en": "Brand enterprise",
        "applicants": ["enterprise_user", "bureau_admin"], "unit": "万元",
        "fields-0-key": "exports", "fields-0-label_zh": "上年度出口额", "fields-0-label_en": "Exports last year",
        "fields-0-type": "amount", "fields-0-min": "0", "fields-0-required": "1",
        "fields-1-key": "channel", "fields-1-label_zh": "主要渠道", "fields-1-label_en": "Main channel",
        "fields-1-type": "choice", "fields-1-options": "b2c | 跨境零售 | B2C retail\nb2b | 跨境批发 | B2B wholesale",
        "fields-1-required": "1",
        "documents-0-key": "licence", "documents-0-label_zh": "营业执照", "documents-0-label_en": "Licence",
        "documents-0-types": ["application/pdf", "image/png"], "documents-0-required": "1",
        "stages-0-role": "district_reviewer", "stages-1-role": "bureau_admin",
        "criteria-0-key": "scale", "criteria-0-label_zh": "规模", "criteria-0-label_en": "Scale",
        "criteria-0-weight": "60", "criteria-0-scale": "10",
        "criteria-1-key": "brand", "criteria-1-label_zh": "品牌", "criteria-1-label_en": "Brand",
        "criteria-1-weight": "40", "criteria-1-scale": "10",
        "pass_mark": "70", "certificate_format": f"{prefix}-PP{key[-4:].upper()}-{{year}}-{{seq:04}}",
        "validity_months": "24", "notice_days": "5", "renewal_reminder_days": "30",
    }  # fmt: skip
    form.update(changes)
    return form


async def test_build_a_scheme_then_a_new_version(admin_gz, owner: asyncpg.Connection, tenants: dict, key: str) -> None:
    listing = await admin_gz.get("/z/guangzhou/schemes/")
    assert "/z/guangzhou/schemes/new" in listing.text and "/z/guangzhou/schemes/import" in listing.text
    new = await admin_gz.get("/z/guangzhou/schemes/new")
    assert new.status_code == 200 and 'value="GZ-XX-{year}-{seq:04}"' in new.text
    saved = await admin_gz.post("/z/guangzhou/schemes/", data=scheme(key), follow_redirects=False)
    assert saved.status_code == 303, ERROR.findall(saved.text)
    row = await owner.fetchrow("SELECT id, version, spec FROM scheme WHERE tenant_id = $1 AND key = $2",
                               tenants["guangzhou"], key)
    spec = json.loads(row["spec"])
    assert row["version"] == 1 and spec["applicants"] == ["enterprise_user", "bureau_admin"]
    assert spec["fields"][1]["options"] == ["b2c", "b2b"] and spec["fields"][1]["option_labels_zh"] == ["跨境零售", "跨境批发"]
    assert [c["weight"] for c in spec["criteria"]] == [60, 40] and spec["stages"] == ["district_reviewer", "bureau_admin"]
    assert (spec["validity_months"], spec["notice_days"], spec["pass_mark"], spec["unit"]) == (24, 5, 70, "万元")

    # the next number: this year's counter + 1
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    await owner.execute("INSERT INTO certificate_counter (tenant_id, scheme_key, year, last) VALUES ($1, $2, $3, 41)",
                        tenants["guangzhou"], key, year)
    edit = await admin_gz.get(f"/z/guangzhou/schemes/{key}/edit")
    assert f"GZ-PP{key[-4:].upper()}-{year}-0042" in edit.text
    preview = await admin_gz.post("/z/guangzhou/schemes/number-preview", headers={"HX-Request": "true"},
                                  data=scheme(key, certificate_format=f"GZ-Q{key[-4:].upper()}-{{seq:05}}"))
    assert preview.status_code == 200 and f"GZ-Q{key[-4:].upper()}-00042" in preview.text and "<html" not in preview.text

    same = await admin_gz.post(f"/z/guangzhou/schemes/{key}", data=scheme(key), follow_redirects=False)
    assert same.status_code == 303 and await owner.fetchval("SELECT version FROM scheme WHERE id = $1", row["id"]) == 1
    changed = await admin_gz.post(f"/z/guangzhou/schemes/{key}", data=scheme(key, pass_mark="75"), follow_redirects=False)
    assert changed.status_code == 303
    assert await owner.fetchval("SELECT version FROM scheme WHERE id = $1", row["id"]) == 2
    page = await admin_gz.get(f"/z/guangzhou/schemes/{key}")
    assert "75 / 100" in page.text and f"/z/guangzhou/schemes/{key}/edit" in page.text


async def test_bad_rows_are_field_errors_and_nothing_is_saved(admin_gz, owner: asyncpg.Connection, key: str) -> None:
    bad = scheme(key, **{"fields-0-min": "许多"})
    response = await admin_gz.post("/z/guangzhou/schemes/", data=bad)
    assert response.status_code == 400 and set(dict(ERROR.findall(response.text))) == {"fields-0-min"}
    assert 'value="许多"' in response.text and 'value="规模"' in response.text
    weights = await admin_gz.post("/z/guangzhou/schemes/", data=scheme(key, **{"criteria-1-weight": "30"}))
    assert weights.status_code == 400 and "90" in dict(ERROR.findall(weights.text))["criteria"]
    options = await admin_gz.post("/z/guangzhou/schemes/", data=scheme(key, **{"fields-1-options": "b2c | 零售"}))
    assert options.status_code == 400 and "fields-1-options" in dict(ERROR.findall(options.text))
    prefix = await admin_gz.post("/z/guangzhou/schemes/", data=scheme(key, prefix="FS"))
    assert prefix.status_code == 400 and "GZ-" in dict(ERROR.findall(prefix.text))["certificate_format"]
    assert await owner.fetchval("SELECT count(*) FROM scheme WHERE key = $1", key) == 0
    added = await admin_gz.post("/z/guangzhou/schemes/", data=scheme(key, action="add:criteria"))
    assert added.status_code == 200 and 'name="criteria-2-key"' in added.text and not ERROR.search(added.text)


async def test_a_scheme_moves_to_another_city(admin_gz, admin_fs, owner: asyncpg.Connection, tenants: dict,
                                              key: str) -> None:
    assert (await admin_gz.post("/z/guangzhou/schemes/", data=scheme(key), follow_redirects=False)).status_code == 303
    exported = await admin_gz.get(f"/z/guangzhou/schemes/{key}/export.toml")
    assert exported.status_code == 200 and exported.text.startswith("[[schemes]]\n")
    token = await csrf_of(admin_fs)
    imported = await admin_fs.post("/z/foshan/schemes/import", data={"csrf_token": token},
                                   files={"file": (f"{key}.toml", exported.content, "application/toml")},
                                   follow_redirects=False)
    assert imported.status_code == 303, ERROR.findall(imported.text) or imported.text[-600:]
    here = json.loads(await owner.fetchval("SELECT spec FROM scheme WHERE tenant_id = $1 AND key = $2",
                                           tenants["guangzhou"], key))
    there = json.loads(await owner.fetchval("SELECT spec FROM scheme WHERE tenant_id = $1 AND key = $2",
                                            tenants["foshan"], key))
    assert there["certificate_format"] == here["certificate_format"].replace("GZ-", "FS-", 1)
    assert {**there, "certificate_format": ""} == {**here, "certificate_format": ""}
    again = await admin_fs.post("/z/foshan/schemes/import", data={"csrf_token": token, "text": exported.text})
    assert again.status_code == 400 and key in again.text


async def test_a_built_scheme_survives_the_next_sync(admin_gz, owner: asyncpg.Connection, tenants: dict,
                                                     key: str) -> None:
    from pilotzone.provisioning import sync

    saved = await admin_gz.post("/z/guangzhou/schemes/", data=scheme(key), follow_redirects=False)
    assert saved.status_code == 303, ERROR.findall(saved.text)
    await sync(ROOT / "tenants")
    row = await owner.fetchrow("SELECT active, source FROM scheme WHERE tenant_id = $1 AND key = $2",
                               tenants["guangzhou"], key)
    assert (row["active"], row["source"]) == (True, "editor")  # the file does not hold it: left alone
    file_schemes = await owner.fetchval(
        "SELECT count(*) FROM scheme WHERE source = 'file' AND active AND tenant_id = $1", tenants["guangzhou"])
    assert file_schemes > 0  # the file's own schemes are still the file's

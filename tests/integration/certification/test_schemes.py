"""Certification schemes from tenants/<slug>/schemes.toml: validation, versioning, pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest

from pilotzone.certification.schemes import certificate_number
from pilotzone.provisioning import TenantFileError, sync

ROOT = Path(__file__).resolve().parents[3]
SCHEMES = "guangzhou/schemes.toml"


def test_certificate_numbers() -> None:
    assert certificate_number("GZ-HWC-{year}-{seq:04}", 2026, 7) == "GZ-HWC-2026-0007"
    assert certificate_number("FS-RC-{seq:05}", 2027, 123) == "FS-RC-00123"


async def _schemes(owner: asyncpg.Connection) -> list[dict]:
    return [
        dict(r)
        for r in await owner.fetch("SELECT tenant_id, key, version, active, spec FROM scheme ORDER BY id")
    ]


async def test_synced_schemes(owner: asyncpg.Connection, tenants: dict) -> None:
    rows = await owner.fetch(
        "SELECT key, subject FROM scheme WHERE tenant_id = $1 AND active", tenants["guangzhou"]
    )
    assert {r["key"]: r["subject"] for r in rows} == {
        "park": "park",
        "demo-park": "park",
        "overseas-warehouse": "overseas_warehouse",
        "demo-enterprise": "enterprise",
        "talent": "talent",
    }


BAD = [
    ("weight = 25\n", "weight = 26\n", "schemes[0].criteria", "add up to 101"),
    (
        'stages = ["district_reviewer", "bureau_reviewer", "bureau_admin"]',
        'stages = ["bureau_admin", "bureau_reviewer"]',
        "schemes[0].stages",
        "last stage",
    ),
    (
        'certificate_format = "GZ-CYY-{year}-{seq:04}"',
        'certificate_format = "FS-CYY-{year}-{seq:04}"',
        "schemes[0].certificate_format",
        "must start with 'GZ-'",
    ),
    (
        'applicants = ["park_operator"]',
        'applicants = ["enterprise_user"]',
        "schemes[0].applicants[0]",
        "may not apply for a park",
    ),
    ("pass_mark = 60\n", "pass_mark = 60\nbonus = 5\n", "schemes[0]", "unknown field `bonus`"),
]


@pytest.mark.parametrize(("old", "new", "key", "reason"), BAD)
async def test_bad_scheme_file_changes_nothing(
    tmp_path: Path, owner: asyncpg.Connection, old: str, new: str, key: str, reason: str
) -> None:
    directory = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", directory)
    path = directory / SCHEMES
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = await _schemes(owner)
    with pytest.raises(TenantFileError) as info:
        await sync(directory)
    assert info.value.file.endswith(SCHEMES) and info.value.key == key and reason in info.value.reason
    assert await _schemes(owner) == before


async def test_changed_spec_gets_a_new_version(
    tmp_path: Path, owner: asyncpg.Connection, tenants: dict
) -> None:
    directory = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", directory)
    path = directory / SCHEMES
    path.write_text(
        path.read_text(encoding="utf-8").replace("pass_mark = 75", "pass_mark = 80", 1), encoding="utf-8"
    )
    query = (
        "SELECT version, spec->>'pass_mark' AS mark FROM scheme WHERE tenant_id = $1 AND key = 'demo-park'"
    )
    before = await owner.fetchrow(query, tenants["guangzhou"])
    try:
        report = await sync(directory)
        assert report.schemes_written == 1
        after = await owner.fetchrow(query, tenants["guangzhou"])
        assert (after["version"], after["mark"]) == (before["version"] + 1, "80")
        assert not (await sync(directory)).changed()  # idempotent
    finally:
        await sync(ROOT / "tenants")
    assert (await owner.fetchrow(query, tenants["guangzhou"]))["mark"] == before["mark"]


async def test_scheme_pages(admin_gz) -> None:
    index = await admin_gz.get("/z/guangzhou/schemes/")
    assert index.status_code == 200 and "广州市市级公共海外仓认定" in index.text
    detail = await admin_gz.get("/z/guangzhou/schemes/overseas-warehouse")
    assert detail.status_code == 200
    for text in ("GZ-HWC-{year}-{seq:04}", "海外仓面积（平方米）", "≥ 3000", "区级审核员", "36 个月", "7 天"):
        assert text in detail.text, text
    assert (await admin_gz.get("/z/guangzhou/schemes/no-such")).status_code == 404

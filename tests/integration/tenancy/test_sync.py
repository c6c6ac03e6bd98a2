"""tenants/*.toml: idempotent sync; a bad file names file, key and reason and changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from pilotzone.provisioning import TenantFileError, sync

ROOT = Path(__file__).resolve().parents[3]


async def _state(owner: asyncpg.Connection) -> tuple:
    tenants = await owner.fetch("SELECT * FROM tenant ORDER BY id")
    parks = await owner.fetch("SELECT * FROM park ORDER BY id")
    return [dict(r) for r in tenants], [dict(r) for r in parks]


async def test_sync_twice_changes_nothing(owner: asyncpg.Connection) -> None:
    await sync(ROOT / "tenants")
    before = await _state(owner)
    report = await sync(ROOT / "tenants")
    assert not report.changed()
    assert sorted(report.unchanged) == sorted(p.stem for p in (ROOT / "tenants").glob("*.toml"))
    assert await _state(owner) == before


def _copy_tenants(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", target)
    return target


BAD_CASES = [
    # (file, replace old text, with new text, expected key, words in reason)
    ("foshan.toml", 'primary = "', 'primary = "#12345G', "branding.primary", "matching regex"),
    ("shantou.toml", "[bureau]", '[bureau]\nphone = "0754"', "bureau", "unknown field `phone`"),
    ("guangzhou.toml", 'slug = "guangzhou"', 'slug = "canton"', "slug", "must equal the file name"),
    ("foshan.toml", 'key = "guotong-blc"', "key = 42", "parks[0].key", "Expected `str`"),
]


@pytest.mark.parametrize(("file", "old", "new", "key", "reason"), BAD_CASES)
async def test_bad_file_names_file_key_reason_and_changes_nothing(
    tmp_path: Path, owner: asyncpg.Connection, file: str, old: str, new: str, key: str, reason: str
) -> None:
    directory = _copy_tenants(tmp_path)
    # a new, valid tenant in the same run must not be written either
    (directory / "zhuhai.toml").write_text(
        (directory / "foshan.toml").read_text(encoding="utf-8").replace('slug = "foshan"', 'slug = "zhuhai"'),
        encoding="utf-8",
    )
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = await _state(owner)
    with pytest.raises(TenantFileError) as info:
        await sync(directory)
    assert info.value.file.endswith(file)
    assert info.value.key == key
    assert reason in info.value.reason
    assert await _state(owner) == before


async def test_park_district_must_exist(tmp_path: Path, owner: asyncpg.Connection) -> None:
    directory = _copy_tenants(tmp_path)
    path = directory / "shantou.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    first_park = next(i for i, line in enumerate(lines) if line.strip() == "[[parks]]")
    district = next(i for i in range(first_park, len(lines)) if lines[i].startswith("district ="))
    lines[district] = 'district = "999999"'
    path.write_text("\n".join(lines), encoding="utf-8")
    before = await _state(owner)
    with pytest.raises(TenantFileError) as info:
        await sync(directory)
    assert info.value.key == "parks[0].district" and "999999" in info.value.reason
    assert await _state(owner) == before


async def test_syntax_error_is_reported(tmp_path: Path) -> None:
    directory = _copy_tenants(tmp_path)
    (directory / "guangzhou.toml").write_text("slug = \n", encoding="utf-8")
    with pytest.raises(TenantFileError) as info:
        await sync(directory)
    assert info.value.key == "(syntax)" and "guangzhou.toml" in str(info.value)


def test_cli_reports_bad_file_and_exits_nonzero(tmp_path: Path) -> None:
    directory = _copy_tenants(tmp_path)
    path = directory / "foshan.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('kind = "', 'kind = "casino_', 1), encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pilotzone.cli", "tenants", "sync", "--dir", str(directory)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )
    assert result.returncode == 2
    assert "foshan.toml" in result.stderr and "parks[0].kind" in result.stderr and "casino_" in result.stderr
    assert "nothing was changed" in result.stderr


async def test_removed_park_is_retired_not_deleted(
    tmp_path: Path, owner: asyncpg.Connection, tenants: dict
) -> None:
    directory = _copy_tenants(tmp_path)
    path = directory / "foshan.toml"
    text = path.read_text(encoding="utf-8")
    last = text.rindex("[[parks]]")
    end = text.find("[[", last + 3)
    removed_key = text[last:].split('key = "', 1)[1].split('"', 1)[0]
    path.write_text(text[:last] + (text[end:] if end != -1 else ""), encoding="utf-8")
    try:
        report = await sync(directory)
        assert report.parks_retired == 1
        row = await owner.fetchrow(
            "SELECT status FROM park WHERE tenant_id = $1 AND key = $2", tenants["foshan"], removed_key
        )
        assert row["status"] == "retired"
    finally:
        await sync(ROOT / "tenants")
    row = await owner.fetchrow(
        "SELECT status FROM park WHERE tenant_id = $1 AND key = $2", tenants["foshan"], removed_key
    )
    assert row["status"] == "active"

"""`tenants sync` checks every district code against the GB/T 2260 dataset: an unknown code, or a code
of another prefecture, is an error naming the file and the code, and nothing is written. Names come
from the dataset; a city without counties (东莞) is its own one district."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import asyncpg
import pytest

from pilotzone.provisioning import TenantFileError, sync

ROOT = Path(__file__).resolve().parents[3]


async def _tenants(owner: asyncpg.Connection) -> list[dict]:
    return [dict(r) for r in await owner.fetch("SELECT * FROM tenant ORDER BY id")]


@pytest.mark.parametrize(
    ("code", "words"),
    [("440599", "is not a code of the GB/T 2260 dataset"), ("440106", "is not a district of 440500")],
)
async def test_sync_refuses_a_district_code_the_dataset_does_not_give(
    tmp_path: Path, owner: asyncpg.Connection, code: str, words: str
) -> None:
    directory = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", directory)
    path = directory / "shantou.toml"
    text = path.read_text(encoding="utf-8")
    assert 'code = "440511"' in text
    path.write_text(text.replace('code = "440511"', f'code = "{code}"', 1), encoding="utf-8")
    before = await _tenants(owner)
    with pytest.raises(TenantFileError) as info:
        await sync(directory)
    assert info.value.file.endswith("shantou.toml") and info.value.key == "districts[1].code"
    assert code in info.value.reason and words in info.value.reason
    assert f"shantou.toml: key 'districts[1].code': '{code}'" in str(info.value)
    assert await _tenants(owner) == before


async def test_every_guangdong_city_is_a_tenant_with_districts_from_the_dataset(owner: asyncpg.Connection) -> None:
    rows = {r["slug"]: r for r in await owner.fetch("SELECT slug, districts FROM tenant WHERE source_file <> ''")}
    assert len(rows) == 21
    shenzhen = json.loads(rows["shenzhen"]["districts"])
    assert {"code": "440303", "zh": "罗湖区", "en": "罗湖区"} in shenzhen and len(shenzhen) == 9
    assert json.loads(rows["dongguan"]["districts"]) == [{"code": "441900", "zh": "东莞市", "en": "东莞市"}]
    guangzhou = json.loads(rows["guangzhou"]["districts"])
    assert {"code": "440106", "zh": "天河区", "en": "Tianhe District"} in guangzhou
    parks = await owner.fetch(
        "SELECT DISTINCT t.slug FROM park p JOIN tenant t ON t.id = p.tenant_id WHERE p.source = 'policy'"
    )
    assert {r["slug"] for r in parks} == {"guangzhou", "shantou", "foshan"}

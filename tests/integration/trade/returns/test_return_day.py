"""The deadline day comes from the tenant's TOML (``[trade] return_day``, default 10): synced into
``trade_setting``, used for a new return's due date; a day outside 1–28 names file and key and changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest
from tests.integration.trade.returns.steps import GZ, months_ago, start

from pilotzone.provisioning import TenantFileError, sync

ROOT = Path(__file__).resolve().parents[4]


def _with_day(tmp_path: Path, day: int) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", target)
    path = target / "guangzhou.toml"
    text = path.read_text(encoding="utf-8")
    assert "[trade]\n" in text  # the file's own section (tolerance_percent) gets the day
    path.write_text(text.replace("[trade]\n", f"[trade]\nreturn_day = {day}\n", 1), encoding="utf-8")
    return target


async def test_return_day_from_the_tenant_file(tmp_path: Path, firm, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    assert await owner.fetchval("SELECT s.return_day FROM trade_setting s JOIN tenant t ON t.id = s.tenant_id WHERE t.slug = 'guangzhou'") == 10
    with pytest.raises(TenantFileError) as refused:
        await sync(_with_day(tmp_path / "bad", 29))
    assert refused.value.key == "trade.return_day"
    assert await owner.fetchval("SELECT s.return_day FROM trade_setting s JOIN tenant t ON t.id = s.tenant_id WHERE t.slug = 'guangzhou'") == 10
    try:
        await sync(_with_day(tmp_path / "good", 15))
        assert await owner.fetchval("SELECT s.return_day FROM trade_setting s JOIN tenant t ON t.id = s.tenant_id WHERE t.slug = 'guangzhou'") == 15
        rid = await start(firm.client, months_ago(1))
        due = await owner.fetchval("SELECT due_on FROM trade_return WHERE id = $1", rid)
        assert due.day == 15
        assert due.isoformat() in (await firm.client.get(f"{GZ}/returns/{rid}")).text
    finally:
        await sync(ROOT / "tenants")
    assert await owner.fetchval("SELECT s.return_day FROM trade_setting s JOIN tenant t ON t.id = s.tenant_id WHERE t.slug = 'guangzhou'") == 10

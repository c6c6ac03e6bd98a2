"""Credit negative list: the bureau's page (filter, field errors, ending an entry), the enterprise page,
and the service functions other packages call (on a date, one query for many enterprises)."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest
from tests import factories
from tests.support import demo

from pilotzone.registry.negative_list import active_negative_entries, active_negative_entry
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.web.deadlines import tenant_today

GZ = "/z/guangzhou/negative-list/"


@pytest.fixture
async def cleanup(owner: asyncpg.Connection):  # type: ignore[no-untyped-def]
    yield
    await owner.execute("DELETE FROM negative_list_entry WHERE source LIKE '测试清单%'")
    await owner.execute("DELETE FROM enterprise WHERE name LIKE '测试清单企业%'")


async def _enterprises(owner: asyncpg.Connection, tenant_id: int, n: int) -> list[asyncpg.Record]:
    return await owner.fetch(
        "SELECT id, name, uscc FROM enterprise WHERE tenant_id = $1 AND status = 'active' ORDER BY id LIMIT $2",
        tenant_id,
        n,
    )


async def test_bureau_adds_filters_and_ends_entries(admin_gz, as_user, owner, tenants, cleanup) -> None:
    first, second = await _enterprises(owner, tenants["guangzhou"], 2)
    today = tenant_today()
    form = {
        "uscc": first["uscc"],
        "reason": "海关认定失信",
        "source": "测试清单·海关",
        "valid_from": str(today),
    }
    unknown = await admin_gz.post(GZ, data={**form, "uscc": "91440101MA5CXXXX0X"})
    assert unknown.status_code == 400 and "没有使用该统一社会信用代码的企业" in unknown.text
    assert 'value="测试清单·海关"' in unknown.text and 'aria-invalid="true"' in unknown.text
    bad_date = await admin_gz.post(GZ, data={**form, "valid_from": "2026-13-01"})
    assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.text
    backwards = await admin_gz.post(GZ, data={**form, "valid_until": str(today - timedelta(days=1))})
    assert backwards.status_code == 400 and "截止日期早于起始日期" in backwards.text
    no_reason = await admin_gz.post(GZ, data={**form, "reason": ""})
    assert no_reason.status_code == 400 and "列入理由" in no_reason.text
    assert await owner.fetchval("SELECT count(*) FROM negative_list_entry WHERE source LIKE '测试清单%'") == 0

    added = await admin_gz.post(GZ, data={**form, "uscc": first["uscc"].lower()}, follow_redirects=False)
    assert added.status_code == 303
    old = {
        **form,
        "uscc": second["uscc"],
        "source": "测试清单·法院",
        "valid_from": "2020-01-01",
        "valid_until": "2020-12-31",
    }
    assert (await admin_gz.post(GZ, data=old, follow_redirects=False)).status_code == 303
    current = await admin_gz.get(GZ)
    assert first["name"] in current.text and "测试清单·法院" not in current.text
    ended_view = await admin_gz.get(GZ, params={"show": "ended"})
    assert "测试清单·法院" in ended_view.text and "测试清单·海关" not in ended_view.text
    found = await admin_gz.get(
        GZ, params={"q": second["uscc"], "show": "all"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in found.text and "测试清单·法院" in found.text and "测试清单·海关" not in found.text

    detail = await admin_gz.get(f"/z/guangzhou/enterprises/{first['id']}")
    assert "海关认定失信" in detail.text and "已列入" in detail.text
    entry = await owner.fetchval("SELECT id FROM negative_list_entry WHERE source = '测试清单·海关'")
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        assert "测试清单·海关" in (await reviewer.get(GZ)).text
        assert (await reviewer.post(f"{GZ}{entry}/end", data={"end_reason": "x"})).status_code == 403
        assert (await reviewer.post(GZ, data=form)).status_code == 403
    async with as_user(demo("enterprise", "guangzhou")) as user:
        assert (await user.get(GZ)).status_code == 403
    ended = await admin_gz.post(f"{GZ}{entry}/end", data={"end_reason": "已修复信用"}, follow_redirects=False)
    assert ended.status_code == 303
    row = await owner.fetchrow(
        "SELECT ended_on, end_reason, ended_by FROM negative_list_entry WHERE id = $1", entry
    )
    assert row["ended_on"] == today and row["end_reason"] == "已修复信用" and row["ended_by"] is not None
    assert "测试清单·海关" not in (await admin_gz.get(GZ)).text
    assert "已于" in (await admin_gz.get(f"/z/guangzhou/enterprises/{first['id']}")).text
    actions = await owner.fetch(
        "SELECT action FROM audit_log WHERE object_type = 'negative_list_entry' AND object_id = $1 ORDER BY id",
        str(entry),
    )
    assert [a["action"] for a in actions] == ["negative_list.added", "negative_list.ended"]
    elsewhere = await admin_gz.post(f"/z/foshan/negative-list/{entry}/end", data={"end_reason": "x"})
    assert elsewhere.status_code == 403  # no membership in foshan


async def test_service_functions_answer_for_a_date(tenants, cleanup) -> None:
    # two enterprises of its own: no entry of another test applies to them
    a = (await factories.enterprise("guangzhou", name="测试清单企业甲")).id
    b = (await factories.enterprise("guangzhou", name="测试清单企业乙")).id
    gz = tenants["guangzhou"]
    d = date(2026, 6, 1)

    async def entry(enterprise: int, source: str, valid_from: date, **ended: date) -> int:
        return (
            await factories.negative_entry(
                "guangzhou", enterprise, reason="r", source=source, valid_from=valid_from, **ended
            )
        ).id

    old = await entry(a, "测试清单-旧", date(2025, 1, 1))
    newer = await entry(a, "测试清单-新", date(2026, 5, 1), valid_until=date(2026, 6, 1))
    await entry(b, "测试清单-已移出", date(2026, 1, 1), ended_on=date(2026, 6, 1))
    coming = await entry(b, "测试清单-未生效", date(2026, 6, 2))
    async with tenant_transaction(TenantContext(gz, "guangzhou")):
        assert (await active_negative_entry(a, d)).id == newer  # the latest entry that applies
        assert (await active_negative_entry(a, date(2026, 6, 2))).id == old  # the newer one expired
        assert await active_negative_entry(b, d) is None  # ended that day
        assert (await active_negative_entry(b, d - timedelta(days=1))) is not None
        assert (await active_negative_entry(b, date(2026, 6, 2))).id == coming  # from its first day
        found = await active_negative_entries([a, b, a], d)
        assert {k: v.id for k, v in found.items()} == {a: newer}
        assert await active_negative_entries([], d) == {}
    async with tenant_transaction(
        TenantContext(tenants["foshan"], "foshan")
    ):  # RLS: another tenant sees none
        assert await active_negative_entries([a], d) == {}

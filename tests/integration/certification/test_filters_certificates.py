"""Filters of the certificate list: state as it stands now (an unswept end is expired), scheme,
district, issued between, number, holder's name or credit code, expiring soon; a wrong state is a
field error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from tests import factories
from tests.support import demo

GZ = "/z/guangzhou/certificates/"


@pytest.fixture
async def issued(owner: asyncpg.Connection) -> AsyncIterator[dict]:
    marker = factories.unique("证书筛选")
    one = await factories.enterprise("guangzhou", name=f"{marker}甲", district_code="440103")
    two = await factories.enterprise("guangzhou", name=f"{marker}乙", district_code="440104")
    scheme = await factories.scheme("guangzhou", "demo-enterprise")
    now = datetime.now(UTC)
    made = {}
    for name, who, issued_at, values in (
        ("C1", one, datetime(2026, 2, 1, 2, tzinfo=UTC), {}),  # valid three years
        ("C2", two, datetime(2026, 3, 1, 2, tzinfo=UTC), {"status": "revoked"}),
        ("C3", two, datetime(2025, 1, 1, 2, tzinfo=UTC), {"valid_until": now - timedelta(days=1)}),  # ended, unswept
        ("C4", one, datetime(2024, 1, 1, 2, tzinfo=UTC), {"valid_until": now + timedelta(days=10)}),  # expiring
    ):
        app = await factories.application(
            "guangzhou",
            scheme,
            "enterprise",
            who.id,
            status="certified",
            subject_label=f"{marker}-{name}",
            applicant_enterprise=who.id,
            district_code=who.district_code,
        )
        await factories.certificate(
            "guangzhou", app.id, scheme.key, issued=issued_at, number=f"{marker}-{name}", **values
        )
        made[name] = app.id
    yield {"marker": marker, "two": two}
    await owner.execute("DELETE FROM certificate WHERE number LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM submission WHERE subject_label LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", [one.id, two.id])


def shown(text: str, marker: str) -> set[str]:
    return {name for name in ("C1", "C2", "C3", "C4") if f"{marker}-{name}<" in text or f"{marker}-{name} " in text}


async def test_certificate_filters(as_user, issued) -> None:
    m = issued["marker"]
    async with as_user(demo("admin", "guangzhou")) as client:
        cases = [
            ({"q": m}, {"C1", "C2", "C3", "C4"}),
            ({"q": m, "state": "valid"}, {"C1", "C4"}),
            ({"q": m, "state": "expired"}, {"C3"}),
            ({"q": m, "state": "revoked"}, {"C2"}),
            ({"q": m, "district": "440104"}, {"C2", "C3"}),
            ({"q": m, "since": "2026-01-15", "until": "2026-02-15"}, {"C1"}),
            ({"q": m, "kind": "park"}, set()),
            ({"q": f"{m}-C3"}, {"C3"}),  # a certificate number
            ({"q": issued["two"].uscc}, {"C2", "C3"}),
            ({"q": m, "show": "expiring"}, {"C4"}),
        ]
        for params, expected in cases:
            page = await client.get(GZ, params=params)
            assert page.status_code == 200, params
            assert shown(page.text, m) == expected, params
        kept = await client.get(GZ, params={"q": m, "show": "expiring"})
        assert '<input type="hidden" name="show" value="expiring">' in kept.text
        bad = await client.get(GZ, params={"q": m, "state": "lost"})
        assert bad.status_code == 400 and "请从选项中选择" in bad.text
        assert shown(bad.text, m) == {"C1", "C2", "C3", "C4"}

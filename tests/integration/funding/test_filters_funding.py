"""Filters of the funding application list: state, program, round, district, dates, name and credit
code search; a wrong round is a field error; an enterprise user's list stays its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from tests import factories
from tests.support import demo

GZ = "/z/guangzhou/funding/applications/"


@pytest.fixture
async def listed(owner: asyncpg.Connection) -> AsyncIterator[dict]:
    """Two programs with a round each, two enterprises of one marker, three applications."""
    marker = factories.unique("扶持筛选")
    one = await factories.enterprise("guangzhou", name=f"{marker}甲", district_code="440103")
    two = await factories.enterprise("guangzhou", name=f"{marker}乙", district_code="440104")
    p1 = await factories.program("guangzhou", name_zh=f"{marker}项目一")
    p2 = await factories.program("guangzhou", name_zh=f"{marker}项目二")
    r1 = await factories.funding_round("guangzhou", p1, name_zh="第一轮")
    r2 = await factories.funding_round("guangzhou", p2, name_zh="第二轮")
    made = {}
    for name, program, rnd, who, status, values in (
        ("F1", p1, r1, one, "in_review", {"submitted_at": datetime(2026, 4, 1, 3, tzinfo=UTC)}),
        (
            "F2",
            p2,
            r2,
            two,
            "verified",
            {"submitted_at": datetime(2026, 4, 20, 3, tzinfo=UTC), "moved_at": datetime(2026, 7, 1, 3, tzinfo=UTC)},
        ),
        ("F3", p1, r1, two, "rejected", {"submitted_at": datetime(2026, 4, 25, 3, tzinfo=UTC)}),
    ):
        row = await factories.funding_application(
            "guangzhou",
            program.id,
            program.current_version,
            rnd.id,
            who.id,
            status=status,
            subject_label=f"{marker}-{name}",
            district_code=who.district_code,
            **values,
        )
        made[name] = row.id
    yield {"marker": marker, "one": one, "two": two, "p1": p1, "p2": p2, "r1": r1, "r2": r2, **made}
    await owner.execute("DELETE FROM submission WHERE subject_label LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM round WHERE id = ANY($1::int[])", [r1.id, r2.id])
    await owner.execute("UPDATE program SET current_version = NULL WHERE id = ANY($1::int[])", [p1.id, p2.id])
    await owner.execute("DELETE FROM program_version WHERE program = ANY($1::int[])", [p1.id, p2.id])
    await owner.execute("DELETE FROM program WHERE id = ANY($1::int[])", [p1.id, p2.id])
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", [one.id, two.id])


def shown(text: str, marker: str) -> set[str]:
    return {name for name in ("F1", "F2", "F3") if f"{marker}-{name}" in text}


async def test_funding_filter_combinations(as_user, listed) -> None:
    m = listed["marker"]
    async with as_user(demo("admin", "guangzhou")) as client:
        cases = [
            ({"q": m}, {"F1", "F2", "F3"}),
            ({"q": m, "kind": listed["p1"].key}, {"F1", "F3"}),
            ({"q": m, "round": str(listed["r2"].id)}, {"F2"}),
            ({"q": m, "round": str(listed["r1"].id), "state": "rejected"}, {"F3"}),
            ({"q": m, "district": "440104"}, {"F2", "F3"}),
            ({"q": m, "since": "2026-04-15", "until": "2026-04-21"}, {"F2"}),
            ({"q": m, "decided_since": "2026-07-01"}, {"F2"}),
            ({"q": listed["one"].uscc}, {"F1"}),
            ({"q": f"{m}乙"}, {"F2", "F3"}),
        ]
        for params, expected in cases:
            page = await client.get(GZ, params=params)
            assert page.status_code == 200, params
            assert shown(page.text, m) == expected, params
        page = await client.get(GZ, params={"q": m})
        assert f"{m}项目一 · 第一轮" in page.text  # the round's option names its program
        assert '<option value="verified">已核实</option>' in page.text
        bad = await client.get(GZ, params={"q": m, "round": "not-a-round", "state": "verified"})
        assert bad.status_code == 400 and "请从选项中选择" in bad.text
        assert shown(bad.text, m) == {"F2"}
        unknown = await client.get(GZ, params={"q": m, "round": "99999999"})
        assert unknown.status_code == 400 and shown(unknown.text, m) == {"F1", "F2", "F3"}


async def test_an_enterprise_user_filters_only_its_own(as_user, listed) -> None:
    m = listed["marker"]
    async with as_user(demo("enterprise", "guangzhou")) as client:
        page = await client.get(GZ, params={"q": m})
        assert page.status_code == 200 and shown(page.text, m) == set()


async def test_the_verification_queue_filters(as_user, listed) -> None:
    m = listed["marker"]
    async with as_user(demo("reviewer", "guangzhou")) as client:
        for params, expected in (
            ({"q": m}, {"F1"}),  # the only one in review
            ({"q": m, "round": str(listed["r2"].id)}, set()),
            ({"q": m, "kind": listed["p1"].key, "district": "440103"}, {"F1"}),
            ({"q": m, "district": "440104"}, set()),
        ):
            page = await client.get("/z/guangzhou/funding/reviews", params=params)
            assert page.status_code == 200, params
            assert shown(page.text, m) == expected, params
        bad = await client.get("/z/guangzhou/funding/reviews", params={"round": "-1"})
        assert bad.status_code == 400 and "请从选项中选择" in bad.text

"""Filters of the certification application list: state, scheme, district, submitted / decided between,
search by name and by credit code, the page's paging keeps the filter, a wrong value is a field error,
a district reviewer's list stays in its district."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from tests import factories
from tests.support import demo

GZ = "/z/guangzhou/applications/"


@pytest.fixture
async def listed(owner: asyncpg.Connection) -> AsyncIterator[dict]:
    """Two enterprises of one unique marker in two districts and three applications of theirs."""
    marker = factories.unique("筛选")
    one = await factories.enterprise("guangzhou", name=f"{marker}甲贸易", district_code="440103")
    two = await factories.enterprise("guangzhou", name=f"{marker}乙物流", district_code="440104")
    scheme = await factories.scheme("guangzhou", "demo-enterprise")
    made = {}
    for name, who, status, values in (
        ("A1", one, "in_review", {"submitted_at": datetime(2026, 3, 10, 2, tzinfo=UTC)}),
        (
            "A2",
            two,
            "rejected",
            {
                "submitted_at": datetime(2026, 5, 2, 2, tzinfo=UTC),
                "moved_at": datetime(2026, 6, 1, 17, tzinfo=UTC),  # 2 June in Beijing
            },
        ),
        ("A3", one, "draft", {}),
    ):
        row = await factories.application(
            "guangzhou",
            scheme,
            "enterprise",
            who.id,
            status=status,
            subject_label=f"{marker}-{name}",
            applicant_enterprise=who.id,
            district_code=who.district_code,
            **values,
        )
        made[name] = row.id
    yield {"marker": marker, "one": one, "two": two, **made}
    await owner.execute("DELETE FROM submission WHERE subject_label LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", [one.id, two.id])


def shown(text: str, marker: str) -> set[str]:
    return {name for name in ("A1", "A2", "A3") if f"{marker}-{name}" in text}


async def test_filter_combinations_give_the_right_rows(as_user, listed) -> None:
    m = listed["marker"]
    async with as_user(demo("admin", "guangzhou")) as client:
        cases = [
            ({"q": m}, {"A1", "A2", "A3"}),
            ({"q": m, "state": "rejected"}, {"A2"}),
            ({"q": m, "district": "440103"}, {"A1", "A3"}),
            ({"q": m, "district": "440103", "state": "draft"}, {"A3"}),
            ({"q": m, "since": "2026-03-01", "until": "2026-03-31"}, {"A1"}),
            ({"q": m, "since": "2026-03-11"}, {"A2"}),
            ({"q": m, "decided_since": "2026-06-02", "decided_until": "2026-06-02"}, {"A2"}),
            ({"q": m, "decided_since": "2026-06-03"}, set()),
            ({"q": m, "kind": "demo-enterprise", "state": "in_review"}, {"A1"}),
            ({"q": m, "kind": "park"}, set()),
            ({"q": listed["two"].uscc}, {"A2"}),
            ({"q": listed["two"].uscc.lower()}, {"A2"}),
            ({"q": f"{m}甲贸"}, {"A1", "A3"}),
            ({"q": str(listed["A2"])}, {"A2"}),
        ]
        for params, expected in cases:
            page = await client.get(GZ, params=params)
            assert page.status_code == 200, params
            assert shown(page.text, m) == expected, params
        # the form keeps the chosen values, labels every option, offers to clear
        page = await client.get(GZ, params={"q": m, "state": "rejected"})
        assert '<option value="rejected" selected>已驳回</option>' in page.text
        assert "清除筛选" in page.text and f'value="{m}"' in page.text
        fragment = await client.get(GZ, params={"q": m}, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert shown(fragment.text, m) == {"A1", "A2", "A3"}


async def test_a_wrong_filter_value_is_a_field_error(as_user, listed) -> None:
    m = listed["marker"]
    async with as_user(demo("admin", "guangzhou")) as client:
        bad_state = await client.get(GZ, params={"q": m, "state": "bogus", "district": "440103"})
        assert bad_state.status_code == 400
        assert 'aria-invalid="true"' in bad_state.text and "请从选项中选择" in bad_state.text
        assert shown(bad_state.text, m) == {"A1", "A3"}  # the valid part of the filter still applies
        bad_date = await client.get(GZ, params={"q": m, "since": "2026-13-45"})
        assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.text
        reversed_range = await client.get(GZ, params={"q": m, "since": "2026-05-01", "until": "2026-04-01"})
        assert reversed_range.status_code == 400 and "结束日期早于开始日期" in reversed_range.text
        for junk in ({"round": "x"}, {"page": "many"}, {"kind": "<script>"}):
            page = await client.get(GZ, params={"q": m, **junk})
            assert page.status_code in (200, 400) and "<script>" not in page.text.split("<main", 1)[-1]
        fragment = await client.get(GZ, params={"state": "bogus"}, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "请从选项中选择" in fragment.text


async def test_paging_keeps_the_filter(as_user, listed, owner) -> None:
    m = listed["marker"]
    scheme = await factories.scheme("guangzhou", "demo-enterprise")
    one = listed["one"]
    for i in range(21):
        await factories.application(
            "guangzhou",
            scheme,
            "enterprise",
            one.id,
            status="in_review",
            subject_label=f"{m}-P{i:02d}",
            applicant_enterprise=one.id,
            district_code=one.district_code,
        )
    async with as_user(demo("admin", "guangzhou")) as client:
        first = await client.get(GZ, params={"q": m, "state": "in_review"})
        assert "第 1 页，共 2 页" in first.text
        assert "state=in_review" in first.text.split('rel="next"')[0].rsplit("href=", 1)[-1]
        second = await client.get(GZ, params={"q": m, "state": "in_review", "page": "2"})
        assert f"{m}-P00" in second.text and f"{m}-P20" not in second.text
        assert shown(second.text, m) <= {"A1"}


async def test_a_district_reviewer_lists_its_district_only(as_user, listed, owner) -> None:
    m = listed["marker"]
    district = await owner.fetchval(
        "SELECT m.district_code FROM membership m JOIN pz_user u ON u.id = m.\"user\" WHERE u.email = $1",
        demo("district", "guangzhou"),
    )
    async with as_user(demo("district", "guangzhou")) as client:
        page = await client.get(GZ, params={"q": m})
        expected = {"A1", "A3"} if district == "440103" else {"A2"} if district == "440104" else set()
        assert shown(page.text, m) == expected
        other = "440104" if district == "440103" else "440103"
        assert shown((await client.get(GZ, params={"q": m, "district": other})).text, m) == set()


async def test_the_review_queue_filters_by_district_and_name(as_user, listed) -> None:
    m = listed["marker"]
    scheme = await factories.scheme("guangzhou", "demo-enterprise")
    for name, who in (("Q1", listed["one"]), ("Q2", listed["two"])):
        await factories.application(
            "guangzhou",
            scheme,
            "enterprise",
            who.id,
            status="in_review",
            stage=1,  # the bureau reviewer's stage
            subject_label=f"{m}-{name}",
            applicant_enterprise=who.id,
            district_code=who.district_code,
        )
    queued = {"Q1", "Q2"}
    async with as_user(demo("reviewer", "guangzhou")) as client:
        for params, expected in (
            ({"q": m}, {"Q1", "Q2"}),
            ({"q": m, "district": "440104"}, {"Q2"}),
            ({"q": listed["one"].uscc}, {"Q1"}),
            ({"q": m, "scheme": "park"}, set()),
        ):
            page = await client.get("/z/guangzhou/reviews/", params=params)
            assert page.status_code == 200, params
            assert {n for n in queued if f"{m}-{n}" in page.text} == expected, params
        bad = await client.get("/z/guangzhou/reviews/", params={"district": "999999"})
        assert bad.status_code == 400 and "请从选项中选择" in bad.text

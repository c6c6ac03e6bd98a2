"""Review stages: district → bureau reviewer → bureau admin, information requests and answers,
rejection, conflicts of interest, the pass mark, bulk decisions, district scope and tenant isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from tests import factories
from tests.integration.certification.steps import score_form, state_of, submit_new
from tests.support import demo

GZ = "/z/guangzhou"
OTHER_DISTRICT = "other-district-reviewer@demo.pilotzone.cn"


@pytest.fixture
async def other_district(owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[str]:
    """A district reviewer of another guangzhou district than the demo enterprise's."""
    gz = tenants["guangzhou"]
    mine = await owner.fetchval(
        'SELECT m.district_code FROM membership m JOIN pz_user u ON u.id = m."user" '
        "WHERE u.email = $1 AND m.tenant_id = $2",
        demo("district", "guangzhou"),
        gz,
    )
    district = await owner.fetchval(
        "SELECT district_code FROM park WHERE tenant_id = $1 AND district_code <> $2 ORDER BY id LIMIT 1",
        gz,
        mine,
    )
    user, _ = await factories.member(
        "guangzhou",
        "district_reviewer",
        email=OTHER_DISTRICT,
        display_name="他区审核员",
        district_code=district,
    )
    yield OTHER_DISTRICT
    await owner.execute("DELETE FROM pz_user WHERE id = $1", user.id)


async def test_three_stages_with_an_information_round(as_user, admin_gz, owner, arranged) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        app_id = await submit_new(applicant, arranged["warehouse"])
    assert await state_of(owner, app_id) == ("in_review", 0)

    async with as_user(demo("district", "guangzhou")) as district:
        queue = await district.get(f"{GZ}/reviews/")
        assert queue.status_code == 200 and f"{GZ}/reviews/{app_id}" in queue.text
        page = await district.get(f"{GZ}/reviews/{app_id}")
        assert page.status_code == 200 and 'name="score:' in page.text and "5,200.5" in page.text  # declared values read with separators
        incomplete = await district.post(
            f"{GZ}/reviews/{app_id}", data={"decision": "approve"}, follow_redirects=False
        )
        assert incomplete.status_code == 400 and "请为此项评分" in incomplete.text
        approved = await district.post(
            f"{GZ}/reviews/{app_id}",
            data={"decision": "approve", **await score_form(owner, app_id, 0.8)},
            follow_redirects=False,
        )
        assert approved.status_code == 303
    assert await state_of(owner, app_id) == ("in_review", 1)

    async with as_user(demo("reviewer", "guangzhou")) as bureau:
        assert f"{GZ}/reviews/{app_id}" in (await bureau.get(f"{GZ}/reviews/")).text
        no_message = await bureau.post(
            f"{GZ}/reviews/{app_id}", data={"decision": "request_info"}, follow_redirects=False
        )
        assert no_message.status_code == 400 and "请说明需要补充的材料" in no_message.text
        asked = await bureau.post(
            f"{GZ}/reviews/{app_id}",
            data={"decision": "request_info", "comment": "请补充仓库消防验收证明"},
            follow_redirects=False,
        )
        assert asked.status_code == 303
        assert await state_of(owner, app_id) == ("info_requested", 1)
        assert f"{GZ}/reviews/{app_id}" not in (await bureau.get(f"{GZ}/reviews/")).text

    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        page = await applicant.get(f"{GZ}/applications/{app_id}")
        assert "请补充仓库消防验收证明" in page.text and f"/applications/{app_id}/answer" in page.text
        empty = await applicant.post(f"{GZ}/applications/{app_id}/answer", data={"note": " "})
        assert empty.status_code == 400 and "请填写答复" in empty.text
        answered = await applicant.post(
            f"{GZ}/applications/{app_id}/answer", data={"note": "已上传消防验收证明"}, follow_redirects=False
        )
        assert answered.status_code == 303
    assert await state_of(owner, app_id) == ("in_review", 1)

    async with as_user(demo("reviewer", "guangzhou")) as bureau:
        page = await bureau.get(f"{GZ}/reviews/{app_id}")
        assert "已上传消防验收证明" in page.text
        approved = await bureau.post(
            f"{GZ}/reviews/{app_id}",
            data={"decision": "approve", **await score_form(owner, app_id, 0.7)},
            follow_redirects=False,
        )
        assert approved.status_code == 303
    assert await state_of(owner, app_id) == ("in_review", 2)

    final = await admin_gz.post(
        f"{GZ}/reviews/{app_id}",
        data={"decision": "approve", **await score_form(owner, app_id, 0.9), "comment": "同意"},
        follow_redirects=False,
    )
    assert final.status_code == 303
    assert await state_of(owner, app_id) == ("notice", 2)  # approved: public notice
    reviews = await owner.fetch(
        "SELECT stage, stage_role, decision, total FROM review_step WHERE submission = $1 ORDER BY id", app_id
    )
    assert [(r["stage_role"], r["decision"]) for r in reviews] == [
        ("district_reviewer", "approve"),
        ("bureau_reviewer", "request_info"),
        ("bureau_reviewer", "approve"),
        ("bureau_admin", "approve"),
    ]
    assert reviews[-1]["total"] >= 60 and str(reviews[-1]["total"]) == "90.00"
    for action in ("review.approved", "review.info_requested", "application.answered"):
        assert await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2", action, str(app_id)
        ), action


async def test_reject_scope_conflict_pass_mark_bulk(
    as_user,
    admin_gz,
    admin_fs,
    owner,
    arranged,
    other_district,
) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        ids = [await submit_new(applicant, arranged["warehouse"]) for _ in range(4)]
    rejected, conflict, low, bulk = ids

    async with as_user(other_district) as stranger:
        assert f"{GZ}/reviews/{rejected}" not in (await stranger.get(f"{GZ}/reviews/")).text
        assert (await stranger.get(f"{GZ}/reviews/{rejected}")).status_code == 404
        assert (
            await stranger.post(f"{GZ}/reviews/{rejected}", data={"decision": "conflict"})
        ).status_code == 404

    async with as_user(demo("district", "guangzhou")) as district:
        no_reason = await district.post(f"{GZ}/reviews/{rejected}", data={"decision": "reject"})
        assert no_reason.status_code == 400 and "请填写驳回理由" in no_reason.text
        done = await district.post(
            f"{GZ}/reviews/{rejected}",
            data={"decision": "reject", "comment": "仓库面积与租赁合同不符"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert await state_of(owner, rejected) == ("rejected", 0)

        declared = await district.post(
            f"{GZ}/reviews/{conflict}", data={"decision": "conflict"}, follow_redirects=False
        )
        assert declared.status_code == 303
        assert await state_of(owner, conflict) == ("in_review", 0)
        assert f"{GZ}/reviews/{conflict}" not in (await district.get(f"{GZ}/reviews/")).text
        assert (await district.get(f"{GZ}/reviews/{conflict}")).status_code == 403
        again = await district.post(
            f"{GZ}/reviews/{conflict}",
            data={"decision": "approve", **await score_form(owner, conflict, 1)},
            follow_redirects=False,
        )
        assert again.status_code == 403
        # not this stage's role: refused
        await owner.execute("UPDATE submission SET stage = 1 WHERE id = $1", bulk)
        assert (
            await district.post(f"{GZ}/reviews/{bulk}", data={"decision": "reject", "comment": "x"})
        ).status_code == 403
    assert await owner.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'review.conflict' AND object_id = $1", str(conflict)
    )
    assert await owner.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'review.rejected' AND object_id = $1", str(rejected)
    )

    await owner.execute("UPDATE submission SET stage = 2 WHERE id = $1", low)
    below = await admin_gz.post(
        f"{GZ}/reviews/{low}",
        data={"decision": "approve", **await score_form(owner, low, 0.3)},
        follow_redirects=False,
    )
    assert below.status_code == 400 and 'id="total-error"' in below.text and "低于合格分" in below.text
    assert await state_of(owner, low) == ("in_review", 2)

    await owner.execute("UPDATE submission SET stage = 1 WHERE id = $1", low)
    async with as_user(demo("reviewer", "guangzhou")) as bureau:
        queue = await bureau.get(f"{GZ}/reviews/")
        assert 'name="ids"' in queue.text and f"{GZ}/reviews/{bulk}" in queue.text
        empty = await bureau.post(
            f"{GZ}/reviews/bulk", data={"ids": [str(bulk), str(low)], "decision": "request_info"}
        )
        assert empty.status_code == 400
        sent = await bureau.post(
            f"{GZ}/reviews/bulk",
            data={
                "ids": [str(bulk), str(low)],
                "decision": "request_info",
                "comment": "请补充近三年财务报表",
            },
            follow_redirects=False,
        )
        assert sent.status_code == 303
    assert await state_of(owner, bulk) == ("info_requested", 1)
    assert await state_of(owner, low) == ("info_requested", 1)
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM review_step WHERE decision = 'request_info' AND comment = '请补充近三年财务报表'"
        )
        == 2
    )

    async with as_user(demo("district", "guangzhou")) as district:
        assert (await district.post(f"{GZ}/reviews/bulk", data={"ids": [str(bulk)]})).status_code == 403
    assert (await admin_fs.get(f"/z/foshan/reviews/{bulk}")).status_code == 404
    assert (await admin_fs.post(f"/z/foshan/reviews/{bulk}", data={"decision": "reject"})).status_code == 404
    assert (await admin_fs.get(f"{GZ}/reviews/")).status_code == 403
    assert (await admin_fs.post(f"{GZ}/reviews/{bulk}", data={"decision": "reject"})).status_code == 403
    assert f"{GZ}/reviews/" not in (await admin_fs.get("/z/foshan/reviews/")).text

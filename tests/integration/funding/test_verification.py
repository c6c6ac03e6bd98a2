"""Verification at a funding program's stages (issue 11, item 2): every required verified value is
needed to save or approve, the form is prefilled with the values verified so far (else the declared
ones), and a value that differs from the declared one needs its reason. A refused step re-renders the
form with the field errors and changes nothing."""

from __future__ import annotations

import json
import re

import asyncpg
from tests.integration.funding.steps import BASE, input_value, submitted
from tests.support import demo


async def _state(owner: asyncpg.Connection, app_id: int) -> tuple:
    row = await owner.fetchrow(
        "SELECT status, stage, verified, verified_reasons FROM funding_application JOIN submission USING (id, tenant_id) WHERE id = $1", app_id
    )
    steps = await owner.fetchval("SELECT count(*) FROM review_step WHERE submission = $1", app_id)
    return (
        row["status"],
        row["stage"],
        json.loads(row["verified"]),
        json.loads(row["verified_reasons"]),
        steps,
    )


async def test_verified_values_are_required_prefilled_and_changes_need_a_reason(
    as_user, owner, program
) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "1234.5")
    untouched = ("in_review", 0, {}, {}, 0)
    assert await _state(owner, app_id) == untouched

    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        page = await reviewer.get(f"{BASE}/{app_id}")
        assert input_value(page.text, "v-exports") == "1234.5"  # prefilled with the declared value

        # nothing verified: refused with the field error, nothing changed
        for decision in ("approve", "verify"):
            empty = await reviewer.post(f"{BASE}/{app_id}/review", data={"decision": decision})
            assert empty.status_code == 400
            assert re.search(r'id="v-exports"[^>]*aria-invalid="true"', empty.text)
            assert 'id="v-exports-error"' in empty.text and "此项为必填项" in empty.text
            assert await _state(owner, app_id) == untouched

        # a verified value that differs from the declared one, without a reason: the reason's field error,
        # the typed value kept, nothing changed
        unexplained = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "approve", "verified:exports": "1000", "reason:exports": " "},
        )
        assert unexplained.status_code == 400
        assert re.search(r'id="r-exports"[^>]*aria-invalid="true"', unexplained.text)
        assert "核实值与申报值不同，请说明理由" in unexplained.text
        assert input_value(unexplained.text, "v-exports") == "1000"
        assert await _state(owner, app_id) == untouched

        # the same number written differently is not a change
        same = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "verify", "verified:exports": "1,234.50"},
            follow_redirects=False,
        )
        assert same.status_code == 303, same.text[:2000]
        assert await _state(owner, app_id) == (
            "in_review",
            0,
            {"exports": "1,234.50", "certified": ""},
            {},
            1,
        )

        # with its reason the change is recorded and the stage moves on
        approved = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "approve", "verified:exports": "1000", "reason:exports": "按报关单核减"},
            follow_redirects=False,
        )
        assert approved.status_code == 303, approved.text[:2000]
    reasons = {"exports": "按报关单核减"}
    assert await _state(owner, app_id) == ("in_review", 1, {"exports": "1000", "certified": ""}, reasons, 2)
    step = await owner.fetchrow(
        "SELECT verified, reasons FROM review_step WHERE submission = $1 AND decision = 'approve'", app_id
    )
    assert json.loads(step["verified"])["exports"] == "1000" and json.loads(step["reasons"]) == reasons

    async with as_user(demo("admin", "guangzhou")) as admin:
        # the next stage sees the verified value and its reason prefilled
        page = await admin.get(f"{BASE}/{app_id}")
        assert (
            input_value(page.text, "v-exports") == "1000"
            and input_value(page.text, "r-exports") == "按报关单核减"
        )
        bare = await admin.post(f"{BASE}/{app_id}/review", data={"decision": "approve"})
        assert bare.status_code == 400 and 'id="v-exports-error"' in bare.text
        assert (await _state(owner, app_id))[:2] == ("in_review", 1)
        final = await admin.post(
            f"{BASE}/{app_id}/review",
            data={
                "decision": "approve",
                "verified:exports": "1000",
                "reason:exports": "按报关单核减",
                "verified:certified": "",
            },
            follow_redirects=False,
        )
        assert final.status_code == 303
    assert await _state(owner, app_id) == ("verified", 1, {"exports": "1000", "certified": ""}, reasons, 3)


async def test_request_and_reject_need_no_verified_values(as_user, owner, program) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "10")
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        no_reason = await reviewer.post(f"{BASE}/{app_id}/review", data={"decision": "reject"})
        assert no_reason.status_code == 400 and 'id="comment"' in no_reason.text
        rejected = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "reject", "comment": "不符合申报条件"},
            follow_redirects=False,
        )
        assert rejected.status_code == 303
    assert (await _state(owner, app_id))[:3] == ("rejected", 0, {})

"""Funding applications: typed inputs with field errors (nothing lost), documents, submit, two-stage
verification with verified values and an information request, withdrawal, scope."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg
from tests import factories
from tests.support import demo

from pilotzone.demo import sample_pdf
from pilotzone.web.deadlines import tenant_today

BASE = "/z/guangzhou/funding/applications"


async def _enterprise(owner: asyncpg.Connection, tenant: int) -> int:
    return await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"), tenant,
    )


async def test_apply_verify_and_withdraw(as_user, owner, program) -> None:
    enterprise = await _enterprise(owner, program["tenant"])
    async with as_user(demo("enterprise", "guangzhou")) as client:
        index = await client.get(f"{BASE}/")
        assert f"new?round_id={program['round']}" in index.text
        created = await client.post(
            f"{BASE}/", data={"round": str(program["round"]), "subject_id": str(enterprise)}, follow_redirects=False
        )
        assert created.status_code == 303, created.text[:300]
        app_id = int(created.headers["location"].rsplit("/", 1)[1])
        row = await owner.fetchrow("SELECT * FROM funding_application JOIN submission USING (id, tenant_id) WHERE id = $1", app_id)
        assert row["status"] == "draft" and row["program_version"] == program["version"]

        bad = await client.post(f"{BASE}/{app_id}/submit", data={"exports": "12x"}, follow_redirects=False)
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text and 'value="12x"' in bad.text
        assert json.loads(await owner.fetchval("SELECT s.values FROM submission s WHERE s.id = $1", app_id)) == {
            "exports": "12x"
        }
        no_doc = await client.post(f"{BASE}/{app_id}/submit", data={"exports": "1234.5"}, follow_redirects=False)
        assert no_doc.status_code == 400
        # the report takes only PDF: a PNG is refused before it is stored, with the message on the page
        png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(4000)
        wrong = await client.post(
            f"{BASE}/{app_id}/documents", data={"doc_key": "report"},
            files={"file": ("scan.png", png, "image/png")}, follow_redirects=False,
        )
        assert wrong.status_code == 415 and "image/png" in wrong.text, wrong.text[:300]
        assert await owner.fetchval(
            "SELECT count(*) FROM document WHERE owner_kind = 'funding_application' AND owner_id = $1", app_id
        ) == 0
        upload = await client.post(
            f"{BASE}/{app_id}/documents", data={"doc_key": "report"},
            files={"file": ("审计.pdf", sample_pdf("audit"), "application/pdf")}, follow_redirects=False,
        )
        assert upload.status_code == 303, upload.text[:300]
        ok = await client.post(f"{BASE}/{app_id}/submit", data={"exports": "1234.5"}, follow_redirects=False)
        assert ok.status_code == 303
        row = await owner.fetchrow("SELECT * FROM funding_application JOIN submission USING (id, tenant_id) WHERE id = $1", app_id)
        assert row["status"] == "in_review" and row["stage"] == 0 and row["submitted_at"] is not None
        page = await client.get(f"{BASE}/{app_id}")
        assert '<strong id="estimate">12,962.25 元</strong>' in page.text  # 1234.5 × 10.5, with its steps
        assert 'class="explanation"' in page.text
        # not a reviewer: the review route refuses
        refused = await client.post(f"{BASE}/{app_id}/review", data={"decision": "approve"}, follow_redirects=False)
        assert refused.status_code == 403

    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        queue = await reviewer.get("/z/guangzhou/funding/reviews")
        assert f"/funding/applications/{app_id}#review" in queue.text
        wrong = await reviewer.post(
            f"{BASE}/{app_id}/review", data={"decision": "approve", "verified:exports": "abc"}, follow_redirects=False
        )
        assert wrong.status_code == 400 and 'aria-invalid="true"' in wrong.text
        asked = await reviewer.post(
            f"{BASE}/{app_id}/review", data={"decision": "request_info", "comment": "请补充报关单"},
            follow_redirects=False,
        )
        assert asked.status_code == 303
    async with as_user(demo("enterprise", "guangzhou")) as client:
        page = await client.get(f"{BASE}/{app_id}")
        assert "请补充报关单" in page.text
        answered = await client.post(f"{BASE}/{app_id}/answer", data={"note": "已补充"}, follow_redirects=False)
        assert answered.status_code == 303
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        first = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "approve", "verified:exports": "1000", "reason:exports": "按报关单核减", "score": "80"},
            follow_redirects=False,
        )
        assert first.status_code == 303
    async with as_user(demo("admin", "guangzhou")) as admin:
        final = await admin.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "approve", "verified:exports": "1000", "reason:exports": "按报关单核减"},
            follow_redirects=False,
        )
        assert final.status_code == 303
    row = await owner.fetchrow("SELECT * FROM funding_application JOIN submission USING (id, tenant_id) WHERE id = $1", app_id)
    assert row["status"] == "verified" and json.loads(row["verified"]) == {"exports": "1000", "certified": ""}
    assert row["score"] == 80
    actions = [r["action"] for r in await owner.fetch(
        "SELECT action FROM audit_log WHERE object_type = 'funding_application' AND object_id = $1 ORDER BY id", str(app_id)
    )]
    assert actions[:2] == ["funding_application.created", "funding_application.saved"]
    assert "funding_application.submitted" in actions and actions.count("funding_review.approve") == 2
    assert "funding_review.request_info" in actions and "funding_application.answered" in actions
    # who changed what: every state the application passed through, in order, in its history
    moves = [tuple(r) for r in await owner.fetch(
        "SELECT old_value, new_value FROM submission_change WHERE submission = $1 AND field_key = 'status' ORDER BY id",
        app_id,
    )]
    assert moves[0] == ("", "draft") and moves[-1] == ("in_review", "verified")
    assert ("draft", "in_review") in moves and ("in_review", "info_requested") in moves
    assert ("info_requested", "in_review") in moves

    async with as_user(demo("enterprise", "guangzhou")) as client:
        late = await client.post(f"{BASE}/{app_id}/withdraw", follow_redirects=False)
        assert late.status_code == 409  # verified: no longer withdrawn


async def test_other_tenant_and_other_enterprise_do_not_see_it(as_user, owner, program) -> None:
    enterprise = await _enterprise(owner, program["tenant"])
    async with as_user(demo("enterprise", "guangzhou")) as client:
        created = await client.post(
            f"{BASE}/", data={"round": str(program["round"]), "subject_id": str(enterprise)}, follow_redirects=False
        )
        app_id = int(created.headers["location"].rsplit("/", 1)[1])
        withdrawn = await client.post(f"{BASE}/{app_id}/withdraw", follow_redirects=False)
        assert withdrawn.status_code == 303
        assert await owner.fetchval("SELECT status FROM submission WHERE id = $1", app_id) == "withdrawn"
    async with as_user(demo("enterprise", "foshan")) as other:
        assert (await other.get(f"/z/foshan/funding/applications/{app_id}")).status_code == 404


async def test_submission_refused_while_on_the_negative_list(as_user, owner, program) -> None:
    enterprise = await _enterprise(owner, program["tenant"])
    entry = await factories.negative_entry(
        "guangzhou", enterprise, reason="虚假申报", source="测试来源", valid_from=tenant_today() - timedelta(days=1)
    )
    try:
        async with as_user(demo("enterprise", "guangzhou")) as client:
            created = await client.post(
                f"{BASE}/", data={"round": str(program["round"]), "subject_id": str(enterprise)}, follow_redirects=False
            )
            app_id = int(created.headers["location"].rsplit("/", 1)[1])
            await client.post(
                f"{BASE}/{app_id}/documents", data={"doc_key": "report"},
                files={"file": ("审计.pdf", sample_pdf("audit"), "application/pdf")}, follow_redirects=False,
            )
            refused = await client.post(f"{BASE}/{app_id}/submit", data={"exports": "10"}, follow_redirects=False)
            assert refused.status_code == 400 and "信用负面清单" in refused.text and "虚假申报" in refused.text
            assert await owner.fetchval("SELECT status FROM submission WHERE id = $1", app_id) == "draft"
    finally:
        await owner.execute("DELETE FROM negative_list_entry WHERE id = $1", entry.id)

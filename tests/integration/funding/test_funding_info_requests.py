"""Information requests that reopen named inputs and documents (issue 11, item 3), funding side: the
reviewer picks what the request reopens; the answer may change exactly those declared values (a
changed one is verified again from the new declaration) and upload new versions of exactly those
documents; the reviewer sees old → new values and the new versions."""

from __future__ import annotations

import json
import re

from tests.integration.funding.steps import BASE, input_value, submitted
from tests.support import demo

from pilotzone.demo import sample_pdf


async def test_the_answer_changes_what_the_request_reopens(as_user, owner, program) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "1234.5")

    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        verified = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "verify", "verified:exports": "1000", "reason:exports": "按报关单核减"},
            follow_redirects=False,
        )
        assert verified.status_code == 303
        page = await reviewer.get(f"{BASE}/{app_id}")
        assert 'name="reopen:field:exports"' in page.text and 'name="reopen:document:report"' in page.text
        asked = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={
                "decision": "request_info",
                "comment": "请按报关单更正出口额并上传新版审计报告",
                "reopen:field:exports": "1",
                "reopen:document:report": "1",
            },
            follow_redirects=False,
        )
        assert asked.status_code == 303
    request = await owner.fetchrow(
        "SELECT reopens FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
    )
    assert json.loads(request["reopens"]) == {"fields": ["exports"], "documents": ["report"]}

    async with as_user(demo("enterprise", "guangzhou")) as client:
        page = await client.get(f"{BASE}/{app_id}")
        assert "请按报关单更正出口额并上传新版审计报告" in page.text
        assert 'name="answer:exports"' in page.text and 'name="answer:certified"' not in page.text
        assert 'id="reopen-file-report"' in page.text
        upload = await client.post(
            f"{BASE}/{app_id}/documents",
            data={"doc_key": "report"},
            files={"file": ("审计2.pdf", sample_pdf("audit 2"), "application/pdf")},
            follow_redirects=False,
        )
        assert upload.status_code == 303, upload.text[:1000]

        wrong = await client.post(f"{BASE}/{app_id}/answer", data={"answer:exports": "abc", "note": "已更正"})
        assert wrong.status_code == 400
        assert re.search(r'id="a-exports"[^>]*aria-invalid="true"', wrong.text)
        row = await owner.fetchrow("SELECT status, s.values AS declared FROM submission s WHERE id = $1", app_id)
        assert row["status"] == "info_requested" and json.loads(row["declared"])["exports"] == "1234.5"

        answered = await client.post(
            f"{BASE}/{app_id}/answer",
            data={"answer:exports": "2000", "answer:certified": "yes", "note": "已按报关单更正"},
            follow_redirects=False,
        )
        assert answered.status_code == 303
        late = await client.post(
            f"{BASE}/{app_id}/documents",
            data={"doc_key": "report"},
            files={"file": ("审计3.pdf", sample_pdf("audit 3"), "application/pdf")},
            follow_redirects=False,
        )
        assert late.status_code == 409  # answered: nothing is open any more
    row = await owner.fetchrow(
        "SELECT status, stage, s.values AS declared, verified, verified_reasons FROM funding_application JOIN submission s USING (id, tenant_id) WHERE id = $1",
        app_id,
    )
    assert (row["status"], row["stage"]) == ("in_review", 0)
    assert json.loads(row["declared"]) == {"exports": "2000"}  # the input not reopened is not taken
    # the changed input is verified again from the new declaration
    assert json.loads(row["verified"]) == {"certified": ""} and json.loads(row["verified_reasons"]) == {}
    new_id = await owner.fetchval(
        "SELECT id FROM document WHERE owner_kind = 'funding_application' AND owner_id = $1 AND filename = $2",
        app_id,
        "report/审计2.pdf",
    )
    answer = json.loads(
        await owner.fetchval(
            "SELECT answer FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
        )
    )
    assert answer == {
        "note": "已按报关单更正",
        "fields": [{"key": "exports", "old": "1234.5", "new": "2000"}],
        "documents": [{"key": "report", "id": new_id, "name": "审计2.pdf"}],
    }

    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        page = await reviewer.get(f"{BASE}/{app_id}")
        assert input_value(page.text, "v-exports") == "2000"
        changes = page.text[page.text.index('id="answers"') :]
        assert "已按报关单更正" in changes
        assert re.search(r"<td>年度跨境出口额</td><td>1234.5</td><td>2000</td>", changes)
        assert f'href="/z/guangzhou/documents/{new_id}">审计2.pdf</a>' in changes

"""Information requests that reopen named fields and documents (issue 11, item 3), certification side:
the reviewer picks what the request reopens; the applicant's answer may change exactly those fields
and upload new versions of exactly those documents (nothing else, and nothing once answered); the
reviewer sees old → new values and the new versions."""

from __future__ import annotations

import json
import re

import asyncpg
from tests.integration.certification.steps import state_of, submit_new, upload
from tests.support import demo

from pilotzone.demo import sample_pdf

GZ = "/z/guangzhou"


async def _documents(owner: asyncpg.Connection, app_id: int) -> list[str]:
    return [
        r["filename"]
        for r in await owner.fetch(
            "SELECT filename FROM document WHERE owner_kind = 'application' AND owner_id = $1 ORDER BY id",
            app_id,
        )
    ]


async def test_the_answer_changes_what_the_request_reopens(as_user, owner, arranged) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        app_id = await submit_new(applicant, arranged["warehouse"])

    async with as_user(demo("district", "guangzhou")) as district:
        page = await district.get(f"{GZ}/reviews/{app_id}")
        assert 'name="reopen:field:clients_served"' in page.text
        assert 'name="reopen:document:service_records"' in page.text
        asked = await district.post(
            f"{GZ}/reviews/{app_id}",
            data={
                "decision": "request_info",
                "comment": "请更正服务企业数并补充业务凭证",
                "reopen:field:clients_served": "1",
                "reopen:document:service_records": "1",
                "reopen:field:no_such_field": "1",  # not in the spec: ignored
            },
            follow_redirects=False,
        )
        assert asked.status_code == 303
    assert await state_of(owner, app_id) == ("info_requested", 0)
    reopens = await owner.fetchval(
        "SELECT reopens FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
    )
    assert json.loads(reopens) == {"fields": ["clients_served"], "documents": ["service_records"]}
    documents_before = await _documents(owner, app_id)

    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        page = await applicant.get(f"{GZ}/applications/{app_id}")
        assert "请更正服务企业数并补充业务凭证" in page.text
        assert 'name="answer:clients_served"' in page.text and 'name="answer:floor_area"' not in page.text
        assert 'id="reopen-file-service_records"' in page.text and 'id="reopen-file-lease"' not in page.text

        # a document the request did not reopen: refused before anything is stored
        other = await upload(applicant, app_id, "lease", "新租约.pdf", sample_pdf("lease 2"))
        assert other.status_code == 409 and "未要求补正此材料" in other.text
        assert await _documents(owner, app_id) == documents_before
        # a new version of the reopened one
        new = await upload(applicant, app_id, "service_records", "补充凭证.pdf", sample_pdf("records 2"))
        assert new.status_code == 303, new.text[:1000]
        assert await _documents(owner, app_id) == [*documents_before, "service_records/补充凭证.pdf"]

        # a reopened value out of its limits: the field error, nothing changed
        wrong = await applicant.post(
            f"{GZ}/applications/{app_id}/answer",
            data={"answer:clients_served": "5", "note": "已更正"},
        )
        assert wrong.status_code == 400
        assert re.search(r'id="a-clients_served"[^>]*aria-invalid="true"', wrong.text)
        assert 'value="5"' in wrong.text  # what was typed stays
        assert await state_of(owner, app_id) == ("info_requested", 0)

        answered = await applicant.post(
            f"{GZ}/applications/{app_id}/answer",
            data={
                "answer:clients_served": "40",
                "answer:floor_area": "1",  # not reopened: ignored
                "floor_area": "1",
                "note": "已更正服务企业数并上传补充凭证",
            },
            follow_redirects=False,
        )
        assert answered.status_code == 303
        values = json.loads(await owner.fetchval('SELECT "values" FROM submission WHERE id = $1', app_id))
        assert values["clients_served"] == "40" and values["floor_area"] == "5200.5"
        assert await state_of(owner, app_id) == ("in_review", 0)
        # answered: nothing is open any more
        late = await upload(applicant, app_id, "service_records", "再补.pdf", sample_pdf("records 3"))
        assert late.status_code == 409
        again = await applicant.post(f"{GZ}/applications/{app_id}/answer", data={"note": "再答"})
        assert again.status_code == 404 or again.status_code == 409

    answer = json.loads(
        await owner.fetchval(
            "SELECT answer FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
        )
    )
    new_id = await owner.fetchval(
        "SELECT id FROM document WHERE owner_kind = 'application' AND owner_id = $1 AND filename = $2",
        app_id,
        "service_records/补充凭证.pdf",
    )
    assert answer == {
        "note": "已更正服务企业数并上传补充凭证",
        "fields": [{"key": "clients_served", "old": "25", "new": "40"}],
        "documents": [{"key": "service_records", "id": new_id, "name": "补充凭证.pdf"}],
    }
    history = await owner.fetch(
        "SELECT field_key, old_value, new_value FROM submission_change WHERE submission = $1 ORDER BY id",
        app_id,
    )
    assert ("clients_served", "25", "40") in [tuple(r) for r in history]

    async with as_user(demo("district", "guangzhou")) as district:
        page = await district.get(f"{GZ}/reviews/{app_id}")
        assert page.status_code == 200
        changes = page.text[page.text.index('id="answers"') :]
        assert "已更正服务企业数并上传补充凭证" in changes
        assert re.search(r"<td>上年度服务跨境电商企业数（家）</td><td>25</td><td>40</td>", changes)
        assert f'href="{GZ}/documents/{new_id}">补充凭证.pdf</a>' in changes

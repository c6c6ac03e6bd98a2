"""Steps the certification tests share: an application of the demo enterprise taken through the
product over HTTP (create, upload, submit, review), and reading its state behind the app's back.

The fixtures they start from (``arranged``: the demo enterprise's warehouse; ``certified_cleanup``)
live in ``conftest.py`` beside this module."""

from __future__ import annotations

import json

import asyncpg
from tests.support import demo

from pilotzone.demo import sample_pdf

GZ = "/z/guangzhou"
VALID = {"floor_area": "5200.5", "operating_years": "3", "clients_served": "25", "wms": "yes"}
SECOND = "second-applicant@demo.pilotzone.cn"  # the second user of the demo enterprise (``arranged``)
DOCUMENTS = ("lease", "photos", "service_records")  # what the overseas-warehouse scheme requires


async def upload(client, application: int, key: str, name: str, body: bytes):  # type: ignore[no-untyped-def]
    """Upload ``body`` as the document ``key`` of an application (the form's POST, not followed)."""
    return await client.post(
        f"{GZ}/applications/{application}/documents",
        data={"doc_key": key},
        files={"file": (name, body, "application/pdf")},
        follow_redirects=False,
    )


async def submit_new(client, warehouse: int) -> int:  # type: ignore[no-untyped-def]
    """A new overseas-warehouse application for ``warehouse`` with its documents, submitted with
    :data:`VALID` by the signed-in applicant: its id (in review at stage 0)."""
    created = await client.post(
        f"{GZ}/applications/",
        data={"scheme": "overseas-warehouse", "subject_id": str(warehouse)},
        follow_redirects=False,
    )
    assert created.status_code == 303
    app_id = int(created.headers["location"].rsplit("/", 1)[1])
    for key in DOCUMENTS:
        assert (await upload(client, app_id, key, f"{key}.pdf", sample_pdf(key))).status_code == 303
    submitted = await client.post(f"{GZ}/applications/{app_id}/submit", data=VALID, follow_redirects=False)
    assert submitted.status_code == 303, submitted.text[:1000]
    return app_id


async def score_form(owner: asyncpg.Connection, app_id: int, fraction: float) -> dict[str, str]:
    """The review form's scores: ``fraction`` of each criterion's scale of the application's spec."""
    spec = json.loads(await owner.fetchval("SELECT spec FROM application WHERE id = $1", app_id))
    return {f"score:{c['key']}": str(round(c.get("scale", 10) * fraction)) for c in spec["criteria"]}


async def state_of(owner: asyncpg.Connection, app_id: int) -> tuple[str, int]:
    """An application's (status, stage)."""
    row = await owner.fetchrow("SELECT status, stage FROM submission WHERE id = $1", app_id)
    return row["status"], row["stage"]


async def approve_new(as_user, admin_gz, owner: asyncpg.Connection, warehouse: int) -> int:  # type: ignore[no-untyped-def]
    """A new application submitted by the demo enterprise and approved at all three stages (district,
    bureau reviewer, bureau admin): its id, now under public notice."""
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        app_id = await submit_new(applicant, warehouse)
    for who in ("district", "reviewer"):
        async with as_user(demo(who, "guangzhou")) as reviewer:
            done = await reviewer.post(
                f"{GZ}/reviews/{app_id}",
                data={"decision": "approve", **await score_form(owner, app_id, 0.8)},
                follow_redirects=False,
            )
            assert done.status_code == 303
    final = await admin_gz.post(
        f"{GZ}/reviews/{app_id}",
        data={"decision": "approve", **await score_form(owner, app_id, 0.9)},
        follow_redirects=False,
    )
    assert final.status_code == 303
    return app_id

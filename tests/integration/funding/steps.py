"""Steps the funding tests share: an application of the demo enterprise submitted over HTTP, the rows
of applications the reviewers have verified (for ``factories.funding_applications``), reading a form.

The fixtures they start from (``program``, ``approved``) live in ``conftest.py`` beside this module."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from tests.support import demo

from pilotzone.demo import sample_pdf

GZ = "/z/guangzhou"
BASE = f"{GZ}/funding/applications"
N_APPROVED = 120  # the applications of the ``approved`` fixture: three pages of 50


async def submitted(client, owner: asyncpg.Connection, program: dict, exports: str) -> int:  # type: ignore[no-untyped-def]
    """An application of the demo enterprise, submitted with ``exports`` and its audit report."""
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"),
        program["tenant"],
    )
    created = await client.post(
        f"{BASE}/",
        data={"round": str(program["round"]), "subject_id": str(enterprise)},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text[:300]
    app_id = int(created.headers["location"].rsplit("/", 1)[1])
    upload = await client.post(
        f"{BASE}/{app_id}/documents",
        data={"doc_key": "report"},
        files={"file": ("审计.pdf", sample_pdf("audit"), "application/pdf")},
        follow_redirects=False,
    )
    assert upload.status_code == 303, upload.text[:300]
    ok = await client.post(f"{BASE}/{app_id}/submit", data={"exports": exports}, follow_redirects=False)
    assert ok.status_code == 303, ok.text[:300]
    return app_id


def verified(enterprise: int, label: str, declared: dict[str, str], *, ago: int = 0, **values: Any) -> dict:
    """The row of an application whose review is done (``verified`` at the last stage of a two-stage
    program), submitted ``ago`` seconds ago, for ``factories.funding_applications``; ``values``: more
    columns (``verified``, ``score``, ``district_code``)."""
    return {
        "enterprise": enterprise,
        "subject_label": label,
        "values": declared,
        "status": "verified",
        "stage": 1,
        "submitted_at": datetime.now(UTC) - timedelta(seconds=ago),
        **values,
    }


def input_value(page: str, element_id: str) -> str:
    """The value attribute of the input with ``element_id``."""
    match = re.search(rf'<input id="{element_id}"[^>]*value="([^"]*)"', page)
    assert match, f"no input #{element_id}"
    return match.group(1)

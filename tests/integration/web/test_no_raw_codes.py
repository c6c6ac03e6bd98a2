"""No page in zh-CN shows a stored code: from each role's start page, every page reached by links (GET,
within its pilot zone or the province) is read, and no text on it is a state, mode, action or object
code as stored (``in_review``, ``b2c_9610``, ``pro_rata``, ``application.submitted`` …), nor "UTC"."""

from __future__ import annotations

import re
from collections import deque

import asyncpg
import pytest
from tests import factories
from tests.support import demo

from pilotzone.auth.roles import Role
from pilotzone.codes import CustomsMode
from pilotzone.funding.states import RoundState
from pilotzone.jobs.codes import JobKind, JobStatus
from pilotzone.registry.codes import ParkKind, Subject
from pilotzone.web.labels import LABELS
from pilotzone.workflow.states import (
    Action,
    AwardState,
    CertificationState,
    Decision,
    FundingState,
    ObjectionState,
    RegistrationState,
)

ENUMS = (
    CertificationState, FundingState, RegistrationState, AwardState, ObjectionState, Decision, Action,
    JobKind, JobStatus, Role, ParkKind, Subject, CustomsMode, RoundState,
)
GROUPS = ("allocation", "ledger_status", "calculation_status", "certificate_status", "audit_action")
CODES = {m.value for e in ENUMS for m in e} | {c for g in GROUPS for c in LABELS[g]}
SKIP = re.compile(r"\.(csv|xlsx|pdf|css|js)\b|/export(\?|$)|/download|/documents/|/logout|/lang|/reports/|/static/")
LIMIT = 150  # pages per role: every kind of page of the role, not every row's


def _texts(html: str) -> list[str]:
    """The texts a reader sees: between tags, outside code, pre, script and style."""
    body = html.split("<body", 1)[-1]
    body = re.sub(r"<(code|pre|script|style)\b.*?</\1>", " ", body, flags=re.S)
    return [t.strip() for t in re.findall(r">([^<>]+)<", body) if t.strip()]


async def _crawl(client, starts: tuple[str, ...], prefix: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The raw codes found per page, reading up to LIMIT pages linked from ``starts`` under ``prefix``."""
    seen, queue, found, read = set(starts), deque(starts), {}, 0
    while queue and read < LIMIT:
        path = queue.popleft()
        read += 1
        page = await client.get(path)
        if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
            continue
        bad = [t for t in _texts(page.text) if t in CODES or re.search(r"\bUTC\b", t)]
        if bad:
            found[path] = bad
        for href in re.findall(r'href="([^"#]+)"', page.text):
            href = href.replace("&amp;", "&")
            key = re.sub(r"\d+", "N", href)  # one page of a kind (ids, pages and dates differ)
            if href.startswith(prefix) and not SKIP.search(href) and key not in seen:
                seen.add(key)
                queue.append(href)
    assert read > 10, f"only {read} pages read from {starts}"
    return found


@pytest.fixture
async def cases(owner: asyncpg.Connection, tenants: dict):  # type: ignore[no-untyped-def]
    """Applications in states a reader might see as codes: a certification application waiting for
    information, a funding application in review."""
    gz = tenants["guangzhou"]
    enterprise = await owner.fetchval("SELECT min(id) FROM enterprise WHERE tenant_id = $1", gz)
    scheme = await factories.scheme("guangzhou", "demo-enterprise")
    cert = await factories.application(
        "guangzhou", scheme, "enterprise", enterprise, status="info_requested", applicant_enterprise=enterprise
    )
    found = await factories.synced_round("guangzhou")
    funding = await factories.funding_application(
        "guangzhou", found["program"], found["current_version"], found["id"], enterprise, status="in_review"
    )
    yield
    await owner.execute("DELETE FROM submission WHERE id = ANY($1::int[])", [cert.id, funding.id])


GZ = "/z/guangzhou/"
# the start pages: the role's home and the lists not every home links to yet
TENANT_STARTS = (GZ, GZ + "funding/applications/", GZ + "notices/", GZ + "funding/notices/", GZ + "dashboard/")


@pytest.mark.parametrize(
    ("account", "starts", "prefix"),
    [
        (demo("admin", "guangzhou"), (*TENANT_STARTS, GZ + "notices/objections", GZ + "funding/notices/objections", GZ + "certificates/"), GZ),
        (demo("reviewer", "guangzhou"), TENANT_STARTS[:-1], GZ),
        (demo("enterprise", "guangzhou"), TENANT_STARTS[:-1], GZ),
        (demo("province-admin"), ("/province/", "/province/audit"), "/province/"),
    ],
)
async def test_no_page_shows_a_raw_code(as_user, cases, account: str, starts: tuple[str, ...], prefix: str) -> None:  # type: ignore[no-untyped-def]
    async with as_user(account) as client:
        found = await _crawl(client, starts, prefix)
    assert found == {}, found

"""The demo is alive (issue 13, item 10): the session starts from the seeded demo work
(``tests/conftest.py`` runs ``seed_work()`` after the accounts), so these tests read what a newcomer
finds — applications of every kind in every state in guangzhou and foshan, a round calculated, approved
by the second admin and partly paid, a resolved objection, registrations waiting — and check that a
second ``seed_work()`` adds nothing. Only the demo's own rows are counted: those about the enterprises
it registered (credit codes with ``DW``) or the demo enterprise, and its rounds ``demo-*``."""

from __future__ import annotations

import asyncpg
import pytest
from tests.support import demo

from pilotzone.demo import seed_work

CITIES = ("guangzhou", "foshan")
# certification (认定): state and, while in review, the stage (0 district, 1 city reviewer, 2 bureau admin)
CERTIFICATION = (
    ("draft", None),
    ("in_review", 0),
    ("in_review", 1),
    ("in_review", 2),
    ("info_requested", None),
    ("notice", None),
    ("objected", None),
    ("certified", None),
    ("rejected", None),
)
FUNDING = (
    ("draft", None),
    ("withdrawn", None),
    ("in_review", 0),
    ("in_review", 1),
    ("info_requested", None),
    ("verified", None),
    ("rejected", None),
)

_DEMO_SUBJECTS = """
SELECT e.id FROM enterprise e WHERE e.tenant_id = $1 AND (e.uscc LIKE '________DW%'
    OR e.id = (SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user"
                WHERE u.email = $2 AND m.tenant_id = $1))
"""


async def _states(
    owner: asyncpg.Connection, tenant: int, slug: str, kind: str
) -> set[tuple[str, int | None]]:
    rows = await owner.fetch(
        f"""SELECT s.status, s.stage FROM submission s
             WHERE s.tenant_id = $1 AND s.kind = $3 AND s.subject_kind = 'enterprise'
               AND s.subject_id IN ({_DEMO_SUBJECTS})""",  # noqa: S608 - fixed SQL text
        tenant,
        demo("enterprise", slug),
        kind,
    )
    found: set[tuple[str, int | None]] = set()
    for row in rows:
        found.add((row["status"], row["stage"] if row["status"] == "in_review" else None))
    return found


@pytest.mark.parametrize("slug", CITIES)
async def test_every_certification_state_waits_in_the_demo(
    owner: asyncpg.Connection, tenants: dict, slug: str
) -> None:
    found = await _states(owner, tenants[slug], slug, "certification")
    assert set(CERTIFICATION) <= found, set(CERTIFICATION) - found
    # the park operator's own park waits at the district stage (a certification of another kind)
    park = await owner.fetchval(
        """SELECT count(*) FROM submission s JOIN membership m ON m.park = s.subject_id AND m.tenant_id = s.tenant_id
            JOIN pz_user u ON u.id = m."user"
            WHERE s.tenant_id = $1 AND s.kind = 'certification' AND s.subject_kind = 'park'
              AND s.status = 'in_review' AND s.stage = 0 AND u.email = $2 AND s.created_by = u.id""",
        tenants[slug],
        demo("park", slug),
    )
    assert park >= 1
    certified = await owner.fetchval(
        """SELECT count(*) FROM certificate c JOIN submission s ON s.id = c.application AND s.tenant_id = c.tenant_id
            WHERE c.tenant_id = $1 AND c.status = 'valid' AND c.pdf_document IS NOT NULL AND s.status = 'certified'""",
        tenants[slug],
    )
    assert certified >= 1
    # an objection was resolved (dismissed, with the bureau's note), another is still open
    objections = await owner.fetch(
        """SELECT o.status, o.resolution_note FROM objection o JOIN notice n ON n.id = o.notice AND n.tenant_id = o.tenant_id
            WHERE o.tenant_id = $1 AND n.kind = 'certification'""",
        tenants[slug],
    )
    assert any(o["status"] == "dismissed" and o["resolution_note"] for o in objections)
    assert any(o["status"] == "open" for o in objections)


@pytest.mark.parametrize("slug", CITIES)
async def test_every_funding_state_waits_in_the_demo(
    owner: asyncpg.Connection, tenants: dict, slug: str
) -> None:
    found = await _states(owner, tenants[slug], slug, "funding")
    assert set(FUNDING) <= found, set(FUNDING) - found


@pytest.mark.parametrize("slug", CITIES)
async def test_the_earlier_round_is_approved_by_the_second_admin_and_partly_paid(
    owner: asyncpg.Connection, tenants: dict, slug: str
) -> None:
    tenant = tenants[slug]
    rnd = await owner.fetchrow(
        "SELECT id, status FROM round WHERE tenant_id = $1 AND key = 'demo-earlier'", tenant
    )
    assert rnd is not None and rnd["status"] == "approved"
    calc = await owner.fetchrow(
        "SELECT status, started_by_email, approved_by, job_run FROM calculation WHERE tenant_id = $1 AND round = $2",
        tenant,
        rnd["id"],
    )
    assert calc["status"] == "approved" and calc["started_by_email"] == demo("admin", slug)
    # its job ran to the end (nothing left for a worker to pick up)
    run = await owner.fetchrow("SELECT status, done, total FROM job_run WHERE id = $1", calc["job_run"])
    assert run["status"] == "done" and run["done"] == run["total"] >= 3
    approver = await owner.fetchval("SELECT email FROM pz_user WHERE id = $1", calc["approved_by"])
    assert approver == demo("admin2", slug)  # four eyes
    ledger = await owner.fetch(
        "SELECT awarded, paid FROM ledger_entry WHERE tenant_id = $1 AND round = $2", tenant, rnd["id"]
    )
    assert len(ledger) >= 3 and all(e["awarded"] > 0 for e in ledger)
    paid = [e for e in ledger if e["paid"] > 0]
    assert paid and len(paid) < len(ledger)  # partly paid: some awards paid, others still to pay
    assert any(e["paid"] < e["awarded"] for e in paid)  # one of them in part
    payments = await owner.fetchval(
        "SELECT count(*) FROM payment p JOIN ledger_entry e ON e.id = p.entry AND e.tenant_id = p.tenant_id"
        " WHERE p.tenant_id = $1 AND e.round = $2",
        tenant,
        rnd["id"],
    )
    assert payments == len(paid)
    current = await owner.fetchval(
        "SELECT status FROM round WHERE tenant_id = $1 AND key = 'demo-current'", tenant
    )
    assert current == "open"


@pytest.mark.parametrize("slug", CITIES)
async def test_registrations_wait_for_the_bureau(owner: asyncpg.Connection, tenants: dict, slug: str) -> None:
    pending = await owner.fetchval(
        """SELECT count(*) FROM enterprise e JOIN submission s ON s.subject_id = e.id AND s.tenant_id = e.tenant_id
            WHERE e.tenant_id = $1 AND e.status = 'pending' AND e.uscc LIKE '________DW%'
              AND s.kind = 'registration' AND s.status = 'pending'""",
        tenants[slug],
    )
    assert pending >= 1
    park = await owner.fetchval(
        """SELECT count(*) FROM park p JOIN submission s ON s.subject_id = p.id AND s.tenant_id = p.tenant_id
            WHERE p.tenant_id = $1 AND p.status = 'pending' AND p.registration_ip = '198.51.100.7'
              AND s.kind = 'registration' AND s.subject_kind = 'park' AND s.status = 'pending'""",
        tenants[slug],
    )
    assert park >= 1


_COUNTED = (
    "enterprise",
    "submission",
    "submission_change",
    "review_step",
    "notice",
    "objection",
    "document",
    "certificate",
    "round",
    "calculation",
    "ledger_entry",
    "payment",
    "audit_log",
)


async def _counts(owner: asyncpg.Connection, tenant_ids: list[int]) -> dict[str, int]:
    return {
        table: await owner.fetchval(
            f"SELECT count(*) FROM {table} WHERE tenant_id = ANY($1::int[])",  # noqa: S608 - names from the tuple above
            tenant_ids,
        )
        for table in _COUNTED
    }


async def test_a_second_seed_adds_no_rows(owner: asyncpg.Connection, tenants: dict) -> None:
    ids = [tenants[slug] for slug in CITIES]
    before = await _counts(owner, ids)
    seeded = await seed_work()
    assert [s.slug for s in seeded] == list(CITIES) and all(s.skipped for s in seeded)
    assert await _counts(owner, ids) == before


async def _labels(
    owner: asyncpg.Connection, tenant: int, kind: str, status: str, stage: int | None = None
) -> list[str]:
    rows = await owner.fetch(
        "SELECT subject_label FROM submission WHERE tenant_id = $1 AND kind = $2 AND status = $3"
        " AND ($4::int IS NULL OR stage = $4) AND subject_label LIKE '%有限公司'",
        tenant,
        kind,
        status,
        stage,
    )
    return [r["subject_label"] for r in rows]


@pytest.mark.parametrize("slug", CITIES)
async def test_the_demo_accounts_find_their_work_on_their_pages(
    owner: asyncpg.Connection,
    tenants: dict,
    as_user,
    slug: str,  # type: ignore[no-untyped-def]
) -> None:
    tenant, base = tenants[slug], f"/z/{slug}"
    waiting = await _labels(owner, tenant, "certification", "in_review", 0)
    async with as_user(demo("district", slug)) as district:
        queue = await district.get(f"{base}/reviews/")
        assert queue.status_code == 200 and waiting and all(label in queue.text for label in waiting)
    async with as_user(demo("enterprise", slug)) as enterprise:
        for path in ("/applications/", "/funding/applications/"):
            page = await enterprise.get(f"{base}{path}")
            assert page.status_code == 200 and "待补充材料" in page.text, path  # its information requests
    objected = await _labels(owner, tenant, "certification", "objected")
    earlier = await owner.fetchval(
        "SELECT id FROM round WHERE tenant_id = $1 AND key = 'demo-earlier'", tenant
    )
    voucher = await owner.fetchval(
        "SELECT p.voucher FROM payment p JOIN ledger_entry e ON e.id = p.entry AND e.tenant_id = p.tenant_id"
        " WHERE e.round = $1 LIMIT 1",
        earlier,
    )
    async with as_user(demo("admin", slug)) as admin:
        objections = await admin.get(f"{base}/notices/objections")
        assert objections.status_code == 200 and objected and objected[0] in objections.text
        round_page = await admin.get(f"{base}/funding/rounds/{earlier}")
        assert round_page.status_code == 200 and voucher in round_page.text


@pytest.mark.parametrize("slug", CITIES)
async def test_the_audit_log_names_who_did_each_step(
    owner: asyncpg.Connection, tenants: dict, slug: str
) -> None:
    """Each step is recorded as its actor: applications started and submitted by an applicant, decided
    by the reviewer of the stage, the calculation approved by the second admin."""
    rows = await owner.fetch(
        """SELECT a.action, a.actor FROM audit_log a JOIN submission s ON a.object_id = s.id::text
            WHERE a.tenant_id = $1 AND s.tenant_id = $1 AND a.object_type IN ('application', 'funding_application')
              AND s.subject_label LIKE '%有限公司' AND a.actor LIKE '%@demo.pilotzone.cn'""",
        tenants[slug],
    )
    by_action: dict[str, set[str]] = {}
    for row in rows:
        by_action.setdefault(row["action"], set()).add(row["actor"].split(".", 1)[0].split("@")[0])
    applicants = {"park", "enterprise"} | {f"ent{i:02d}" for i in range(1, 13)}
    for action in ("application.created", "application.submitted", "funding_application.submitted"):
        assert by_action.get(action) and by_action[action] <= applicants, (action, by_action.get(action))
    assert by_action.get("review.approved") and by_action["review.approved"] <= {
        "district",
        "reviewer",
        "admin",
    }
    approved = await owner.fetchval(
        "SELECT a.actor FROM audit_log a JOIN calculation c ON a.object_id = c.id::text AND c.tenant_id = a.tenant_id"
        " JOIN round r ON r.id = c.round AND r.tenant_id = c.tenant_id"
        " WHERE a.tenant_id = $1 AND a.action = 'calculation.approved' AND r.key = 'demo-earlier'",
        tenants[slug],
    )
    assert approved == demo("admin2", slug)

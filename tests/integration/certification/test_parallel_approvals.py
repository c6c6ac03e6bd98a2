"""Issue 4, "Done when": 50 parallel approvals produce 50 distinct, consecutive certificate numbers.

Fifty applications wait at the bureau administrator's final stage (arranged with the factories). The
test sends the 50 final approvals at once over HTTP as the bureau administrator, plus a second
approval for ten of them, then closes the notice windows and sends 50 issue requests
at once. The requests really overlap: an httpx client on the ASGI app in the test's event loop (the
Litestar test client runs each request to completion on a portal thread, one after another)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime

import asyncpg
import httpx
from tests import factories
from tests.integration.certification.steps import VALID, score_form
from tests.support import demo, sign_in

from pilotzone.documents.storage import get_storage

GZ = "/z/guangzhou"
N = 50


async def _at_final_stage(owner: asyncpg.Connection, warehouse: int, enterprise: int) -> list[int]:
    """N applications about ``warehouse`` submitted by ``enterprise``, waiting at the scheme's last stage."""
    scheme = await factories.scheme("guangzhou", "overseas-warehouse")
    spec = json.loads(scheme.spec) if isinstance(scheme.spec, str) else scheme.spec
    final = len(spec["stages"]) - 1
    where = await owner.fetchrow("SELECT park, district_code FROM enterprise WHERE id = $1", enterprise)
    now = datetime.now(UTC)
    async with factories.acting_in("guangzhou"):
        rows = [
            await factories.application(
                "guangzhou",
                scheme,
                "overseas_warehouse",
                warehouse,
                status="in_review",
                stage=final,
                subject_label=f"并行审批测试 {g}",
                applicant_enterprise=enterprise,
                applicant_park=where["park"],
                district_code=where["district_code"],
                values=VALID,
                submitted_at=now,
                moved_at=now,
            )
            for g in range(1, N + 1)
        ]
    return [r.id for r in rows]


async def test_fifty_parallel_approvals_give_fifty_consecutive_numbers(
    app,
    owner: asyncpg.Connection,
    tenants: dict,
    certified_cleanup,
) -> None:
    gz = tenants["guangzhou"]
    year = datetime.now(UTC).year
    ids = await _at_final_stage(owner, certified_cleanup["warehouse"], certified_cleanup["enterprise"])
    scores = await score_form(owner, ids[0], 0.9)
    last = await owner.fetchval(
        "SELECT coalesce(max(last), 0) FROM certificate_counter WHERE tenant_id = $1 "
        "AND scheme_key = 'overseas-warehouse' AND year = $2",
        gz,
        year,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as admin:
        await sign_in(admin, demo("admin", "guangzhou"))

        async def approve(app_id: int) -> int:
            response = await admin.post(f"{GZ}/reviews/{app_id}", data={"decision": "approve", **scores})
            return response.status_code

        started = asyncio.get_running_loop().time()
        codes = await asyncio.gather(*(approve(i) for i in ids + ids[:10]))
        approvals_s = asyncio.get_running_loop().time() - started
        assert sorted(codes).count(303) == N, codes
        assert all(code in (303, 403, 409) for code in codes), codes  # the second approvals are refused
        rows = await owner.fetch(
            "SELECT s.status, n.notice_until FROM submission s "
            "LEFT JOIN notice n ON n.submission = s.id AND n.kind = 'certification' WHERE s.id = ANY($1)",
            ids,
        )
        assert [r["status"] for r in rows] == ["notice"] * N
        assert all(r["notice_until"] is not None for r in rows)  # one notice each
        reviews = await owner.fetchval(
            "SELECT count(*) FROM review_step WHERE submission = ANY($1) AND decision = 'approve'", ids
        )
        assert reviews == N  # no double approval
        audits = await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'review.approved' AND object_id = ANY($1::text[])",
            [str(i) for i in ids],
        )
        assert audits == N

        await owner.execute(
            "UPDATE notice SET notice_until = now() - interval '1 minute' "
            "WHERE kind = 'certification' AND submission = ANY($1)",
            ids,
        )

        async def issue() -> int:
            response = await admin.post(f"{GZ}/notices/issue")
            assert response.status_code == 303, response.text[:300]
            return int(response.headers["location"].rsplit("=", 1)[1])

        started = asyncio.get_running_loop().time()
        issued = await asyncio.gather(*(issue() for _ in range(N)))
        issue_s = asyncio.get_running_loop().time() - started
    print(f"\n{N} parallel approvals: {approvals_s:.2f}s; {N} parallel issue calls: {issue_s:.2f}s")
    assert sum(issued) == N
    certificates = await owner.fetch(
        "SELECT c.number, c.pdf_document, d.storage_key, d.content_type FROM certificate c "
        "JOIN document d ON d.id = c.pdf_document WHERE c.application = ANY($1)",
        ids,
    )
    numbers = [c["number"] for c in certificates]
    assert len(numbers) == len(set(numbers)) == N
    pattern = re.compile(rf"^GZ-HWC-{year}-(\d{{4}})$")  # the scheme's GZ-HWC-{{year}}-{{seq:04}}
    seqs = sorted(int(pattern.match(n).group(1)) for n in numbers)  # type: ignore[union-attr]
    assert seqs == list(range(last + 1, last + N + 1))
    assert (
        await owner.fetchval(
            "SELECT last FROM certificate_counter WHERE tenant_id = $1 AND scheme_key = 'overseas-warehouse' "
            "AND year = $2",
            gz,
            year,
        )
        == last + N
    )
    storage = get_storage()
    present = await asyncio.gather(
        *(asyncio.to_thread(storage.exists, c["storage_key"]) for c in certificates)
    )
    assert all(present) and {c["content_type"] for c in certificates} == {"application/pdf"}
    first = b"".join(storage.iter_object(certificates[0]["storage_key"]))
    assert first.startswith(b"%PDF")

"""Public notice, objections (field errors, rate limit, dismissal), certificates (numbering without gaps
under concurrency, the PDF, download by the applicant), public verification, revocation, isolation."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from litestar.testing import AsyncTestClient
from tests.integration.certification.steps import approve_new, state_of
from tests.support import csrf_of, demo

GZ = "/z/guangzhou"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _pdf_info_and_text(content: bytes) -> tuple[dict[str, str], str]:
    """pdfinfo's fields and pdftotext's text of a PDF (poppler-utils)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.pdf"
        path.write_bytes(content)
        env = {"TZ": "Asia/Shanghai", "PATH": "/usr/bin:/bin"}
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, env=env)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    info = dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in info.items()}, text.stdout


async def test_notice_objections_certificate_and_verification(
    app, as_user, admin_gz, admin_fs, owner, tenants, certified_cleanup
) -> None:
    gz = tenants["guangzhou"]
    year = datetime.now(UTC).year
    app_id = await approve_new(as_user, admin_gz, owner, certified_cleanup["warehouse"])
    assert (await state_of(owner, app_id))[0] == "notice"
    days = await owner.fetchval(
        "SELECT notice_until - now() FROM notice WHERE kind = 'certification' AND submission = $1", app_id
    )
    assert 6 <= days.days <= 7
    label = await owner.fetchval("SELECT subject_label FROM submission WHERE id = $1", app_id)

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        page = await public.get(f"{GZ}/notices/")
        assert page.status_code == 200 and label in page.text and "海外仓" in page.text
        assert "5200.5" not in page.text and "5,200.5" not in page.text and "lease.pdf" not in page.text  # no values, no documents
        token = await csrf_of(public)
        url = f"{GZ}/notices/{app_id}/objections"
        bad = await public.post(url, data={"csrf_token": token, "contact": "nobody", "reason": ""})
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text
        assert "请输入有效的电话号码或电子邮箱" in bad.text and "请说明异议理由" in bad.text
        long = await public.post(url, data={"csrf_token": token, "contact": "a@b.cn", "reason": "x" * 2001})
        assert long.status_code == 400
        for i in range(3):
            ok = await public.post(
                url,
                data={"csrf_token": token, "name": "张三", "contact": "13800000000", "reason": f"异议 {i}"},
                follow_redirects=False,
            )
            assert ok.status_code == 303, ok.text[:500]
            assert (await state_of(owner, app_id))[0] == "objected"
        fourth = await public.post(url, data={"csrf_token": token, "contact": "a@b.cn", "reason": "再次"})
        assert fourth.status_code == 429 and "每小时最多 3 条" in fourth.text
        assert label not in (await public.get(f"{GZ}/notices/")).text  # paused

    objections = await owner.fetch(
        "SELECT o.id FROM objection o JOIN notice n ON n.id = o.notice "
        "WHERE n.kind = 'certification' AND n.submission = $1 ORDER BY o.id",
        app_id,
    )
    assert len(objections) == 3
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        refused = await applicant.get(f"{GZ}/notices/objections")
        assert refused.status_code == 403
    page = await admin_gz.get(f"{GZ}/notices/objections")
    assert page.status_code == 200 and "异议 0" in page.text and "13800000000" in page.text
    for objection in objections:
        other = await admin_fs.post(
            f"{GZ}/notices/objections/{objection['id']}/resolve", data={"decision": "dismissed"}
        )
        assert other.status_code in (403, 404)
        via_own = await admin_fs.post(
            f"/z/foshan/notices/objections/{objection['id']}/resolve", data={"decision": "dismissed"}
        )
        assert via_own.status_code == 404
        done = await admin_gz.post(
            f"{GZ}/notices/objections/{objection['id']}/resolve",
            data={"decision": "dismissed", "note": "不成立"},
            follow_redirects=False,
        )
        assert done.status_code == 303
    assert (await state_of(owner, app_id))[0] == "notice"

    # nothing is due yet; then the window ends
    assert (await admin_gz.post(f"{GZ}/notices/issue", follow_redirects=False)).status_code == 303
    assert (await state_of(owner, app_id))[0] == "notice"
    await owner.execute(
        "UPDATE notice SET notice_until = now() - interval '1 minute' "
        "WHERE kind = 'certification' AND submission = $1",
        app_id,
    )
    assert (await admin_fs.post(f"{GZ}/notices/issue")).status_code in (403, 404)
    assert (await state_of(owner, app_id))[0] == "notice"
    last = await owner.fetchval(  # other tests of the session may have issued numbers already
        "SELECT coalesce(max(last), 0) FROM certificate_counter WHERE tenant_id = $1 "
        "AND scheme_key = 'overseas-warehouse' AND year = $2",
        gz,
        year,
    )
    issued = await admin_gz.post(f"{GZ}/notices/issue", follow_redirects=False)
    assert issued.status_code == 303
    assert (await state_of(owner, app_id))[0] == "certified"
    cert = await owner.fetchrow("SELECT * FROM certificate WHERE application = $1", app_id)
    assert cert["number"] == f"GZ-HWC-{year}-{last + 1:04d}" and cert["status"] == "valid"
    assert cert["valid_until"].year == year + 3
    document = await owner.fetchrow("SELECT * FROM document WHERE id = $1", cert["pdf_document"])
    assert document["owner_kind"] == "certificate" and document["content_type"] == "application/pdf"

    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        listing = await applicant.get(f"{GZ}/certificates/")
        assert listing.status_code == 200 and cert["number"] in listing.text
        pdf = await applicant.get(f"{GZ}/documents/{cert['pdf_document']}")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        info, text = _pdf_info_and_text(pdf.content)
        assert info["Author"] == "广州市商务局" and cert["number"] in info["Title"]
        assert info["CreationDate"].startswith(cert["issued_at"].astimezone(SHANGHAI).strftime("%a %b %e"))
        assert str(year) in info["CreationDate"] and "2000" not in info["CreationDate"]
        assert "发证机关：广州市商务局" in text.replace(" ", "")
        assert "证书编号" in listing.text and "数值" not in listing.text
        assert ">申请续期</button>" not in listing.text  # just issued: the renewal window opens near the end
        opens = (cert["valid_until"] - timedelta(days=60)).astimezone(SHANGHAI).strftime("%Y-%m-%d")
        assert f"{opens} 起可申请续期" in listing.text
        early = await applicant.post(f"{GZ}/certificates/{cert['id']}/renew", follow_redirects=False)
        assert early.status_code == 409 and "起可申请续期" in early.text
        assert (
            await applicant.post(f"{GZ}/certificates/{cert['id']}/revoke", data={"reason": "x"})
        ).status_code == 403
    assert cert["number"] not in (await admin_fs.get("/z/foshan/certificates/")).text
    assert (await admin_fs.get(f"/z/foshan/documents/{cert['pdf_document']}")).status_code == 404

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        valid = await public.get(f"/verify/{cert['number']}")
        assert valid.status_code == 200 and 'data-state="valid"' in valid.text and label in valid.text
        assert "广州市商务局" in valid.text.split("data-issuer>", 1)[1].split("<", 1)[0]
        missing = await public.get(f"/verify/GZ-HWC-{year}-9999")
        assert missing.status_code == 404 and f"没有编号为 GZ-HWC-{year}-9999 的证书" in missing.text
        form = await public.get("/verify/")
        assert form.status_code == 200 and 'name="number"' in form.text
        found = await public.get("/verify/", params={"number": f" {cert['number']} "}, follow_redirects=False)
        assert found.status_code == 303 and found.headers["location"] == f"/verify/{cert['number']}"

    no_reason = await admin_gz.post(f"{GZ}/certificates/{cert['id']}/revoke", data={"reason": " "})
    assert no_reason.status_code == 400
    assert (
        await admin_fs.post(f"/z/foshan/certificates/{cert['id']}/revoke", data={"reason": "x"})
    ).status_code == 404
    revoked = await admin_gz.post(
        f"{GZ}/certificates/{cert['id']}/revoke", data={"reason": "虚假材料"}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'certificate.revoked' AND object_id = $1",
            str(cert["id"]),
        )
        == 1
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        page = await public.get(f"/verify/{cert['number']}")
        assert page.status_code == 200 and 'data-state="revoked"' in page.text


async def test_concurrent_numbers_have_no_gaps_or_duplicates(
    owner: asyncpg.Connection, tenants: dict
) -> None:
    from pilotzone.certification.certificates import next_number
    from pilotzone.tenancy.context import TenantContext, tenant_transaction

    key = f"probe-{uuid.uuid4().hex[:8]}"

    async def one() -> int:
        async with tenant_transaction(TenantContext(tenants["guangzhou"], "guangzhou")):
            number = await next_number(key, 2026)
            await asyncio.sleep(0.01)  # hold the row lock a moment, like a real issue does
            return number

    numbers = await asyncio.gather(*(one() for _ in range(20)))
    assert sorted(numbers) == list(range(1, 21))
    async with tenant_transaction(TenantContext(tenants["foshan"], "foshan")):
        assert await next_number(key, 2026) == 1  # counters are per tenant
    await owner.execute("DELETE FROM certificate_counter WHERE scheme_key = $1", key)


async def test_the_public_notice_is_public(app, as_user) -> None:
    """公示 is for everyone: anonymous visitors and users of other pilot zones read it."""
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as anonymous:
        assert (await anonymous.get("/z/guangzhou/notices/")).status_code == 200
    async with as_user(demo("enterprise", "foshan")) as stranger:
        page = await stranger.get("/z/guangzhou/notices/")
        assert page.status_code == 200 and "公示" in page.text

"""The public lookup form at /verify: a certificate number typed in finds the certificate in any pilot
zone (what the QR page shows); an unknown number says so. Linked from the landing page."""

from __future__ import annotations

import asyncpg
from litestar.testing import AsyncTestClient
from tests import factories


async def test_lookup_form_finds_a_certificate_across_tenants_or_says_not_found(
    app, owner: asyncpg.Connection, certified_cleanup: dict
) -> None:
    scheme = await factories.scheme("guangzhou", "overseas-warehouse")
    application = await factories.application(
        "guangzhou", scheme, "overseas_warehouse", certified_cleanup["warehouse"], status="certified",
        subject_label="查验表单测试仓",
    )
    cert = await factories.certificate("guangzhou", application.id, scheme.key, subject_label="查验表单测试仓")
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        landing = await public.get("/")
        assert 'href="/verify/"' in landing.text
        form = await public.get("/verify")
        assert form.status_code == 200 and 'role="search"' in form.text and 'name="number"' in form.text
        found = await public.get("/verify", params={"number": f"  {cert.number} "})
        assert found.status_code == 200 and 'data-state="valid"' in found.text
        assert "查验表单测试仓" in found.text and "广州市商务局" in found.text
        missing = await public.get("/verify", params={"number": "NO-SUCH-0001"})
        assert missing.status_code == 404
        assert "没有编号为 NO-SUCH-0001 的证书" in missing.text and 'role="alert"' in missing.text
        assert 'value="NO-SUCH-0001"' in missing.text  # the number stays in the form, to correct it

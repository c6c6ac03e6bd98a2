"""One file per enterprise (一企一档) and the bureau's search: the file shows rows of every domain
(registry, certification, funding, documents, audit), search by name and by credit code leads to it,
a district reviewer opens only its district's files, an enterprise user none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from tests import factories
from tests.support import demo


async def _district_of_reviewer(owner: asyncpg.Connection) -> str:
    return await owner.fetchval(
        'SELECT m.district_code FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        demo("district", "guangzhou"),
    )


@pytest.fixture
async def filed(owner: asyncpg.Connection) -> AsyncIterator[dict]:
    """An enterprise in the demo district reviewer's district with something from every domain, and
    an enterprise of another district."""
    marker = factories.unique("档案")
    district = await _district_of_reviewer(owner)
    elsewhere = "440104" if district != "440104" else "440103"
    mine = await factories.enterprise("guangzhou", name=f"{marker}甲公司", district_code=district)
    other = await factories.enterprise("guangzhou", name=f"{marker}乙公司", district_code=elsewhere)
    scheme = await factories.scheme("guangzhou", "demo-enterprise")
    scope = {"applicant_enterprise": mine.id, "district_code": district}
    noticed = await factories.application(
        "guangzhou",
        scheme,
        "enterprise",
        mine.id,
        status="objected",
        subject_label=f"{marker}-认定",
        notice_until=datetime.now(UTC) + timedelta(days=3),
        **scope,
    )
    certified = await factories.application(
        "guangzhou", scheme, "enterprise", mine.id, status="certified", subject_label=f"{marker}-已认定", **scope
    )
    certificate = await factories.certificate("guangzhou", certified.id, scheme.key, number=f"{marker}-证书")
    notice_id = await owner.fetchval("SELECT id FROM notice WHERE submission = $1", noticed.id)
    await factories.objection("guangzhou", notice_id, reason=f"{marker}-异议理由")
    program = await factories.program("guangzhou", name_zh=f"{marker}项目")
    rnd = await factories.funding_round("guangzhou", program, name_zh=f"{marker}轮次")
    applied = await factories.funding_application(
        "guangzhou",
        program.id,
        program.current_version,
        rnd.id,
        mine.id,
        status="verified",
        subject_label=f"{marker}-扶持",
        district_code=district,
    )
    calc = await factories.calculation("guangzhou", rnd.id)
    entry = await factories.ledger_entry(
        "guangzhou", program.id, rnd.id, calc.id, applied.id, awarded=Decimal("12345.60")
    )
    await factories.payment("guangzhou", entry.id, Decimal("2345.60"), date(2026, 11, 2), voucher=f"{marker}-凭证")
    await factories.negative_entry("guangzhou", mine.id, reason=f"{marker}-失信")
    document = await factories.document("guangzhou", "application", certified.id, f"{marker}-材料.pdf")
    yield {"marker": marker, "mine": mine, "other": other, "certificate": certificate, "entry": entry}
    await owner.execute("DELETE FROM document WHERE id = $1", document.id)
    await owner.execute("DELETE FROM payment WHERE entry = $1", entry.id)
    await owner.execute("DELETE FROM ledger_entry WHERE id = $1", entry.id)
    await owner.execute("DELETE FROM calculation WHERE id = $1", calc.id)
    await owner.execute("DELETE FROM certificate WHERE id = $1", certificate.id)
    await owner.execute("DELETE FROM submission WHERE subject_label LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM round WHERE id = $1", rnd.id)
    await owner.execute("UPDATE program SET current_version = NULL WHERE id = $1", program.id)
    await owner.execute("DELETE FROM program_version WHERE program = $1", program.id)
    await owner.execute("DELETE FROM program WHERE id = $1", program.id)
    await owner.execute("DELETE FROM negative_list_entry WHERE enterprise = $1", mine.id)
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", [mine.id, other.id])


def _file(enterprise_id: int) -> str:
    return f"/z/guangzhou/dossier/enterprises/{enterprise_id}"


async def test_the_file_shows_rows_of_every_domain(as_user, filed) -> None:
    m = filed["marker"]
    async with as_user(demo("admin", "guangzhou")) as client:
        page = await client.get(_file(filed["mine"].id))
        assert page.status_code == 200
        text = page.text
        assert filed["mine"].uscc in text  # profile
        assert f"{m}-认定" in text and "异议处理中" in text  # certification application and its state
        assert f"{m}-证书" in text and "有效" in text  # certificate
        assert f"{m}项目" in text and f"{m}轮次" in text and "已核实" in text  # funding application
        assert "12,345.60" in text and "2,345.60" in text and f"{m}-凭证" in text  # award and payment
        assert f"{m}-异议理由" in text and "测试异议人" not in text  # objection, without the objector
        assert f"{m}-失信" in text  # negative list
        assert f"{m}-材料.pdf" in text  # document
        assert f"{m}乙公司" not in text
        listed = f"/z/guangzhou/applications/?q={filed['mine'].uscc}"
        assert listed in text  # the lists, filtered to this enterprise
        assert f"{m}-认定" in (await client.get(listed)).text
        # the audit trail names what was done to the subject's objects, in words
        revoked = await client.post(
            f"/z/guangzhou/certificates/{filed['certificate'].id}/revoke",
            data={"reason": f"{m}-撤销理由"},
            follow_redirects=False,
        )
        assert revoked.status_code == 303
        text = (await client.get(_file(filed["mine"].id))).text
        assert "证书 · 已撤销" in text and "certificate.revoked" not in text
        assert demo("admin", "guangzhou") in text and "已撤销" in text
        # the registry's enterprise page links to the file
        registry = await client.get(f"/z/guangzhou/enterprises/{filed['mine'].id}")
        assert _file(filed["mine"].id) in registry.text


async def test_search_by_name_and_credit_code_links_the_file(as_user, filed) -> None:
    m = filed["marker"]
    async with as_user(demo("reviewer", "guangzhou")) as client:
        home = await client.get("/z/guangzhou/enterprises/")
        assert 'id="header-q"' in home.text  # the header's search box
        by_name = await client.get("/z/guangzhou/search", params={"q": f"{m}甲"})
        assert by_name.status_code == 200
        assert _file(filed["mine"].id) in by_name.text and _file(filed["other"].id) not in by_name.text
        by_code = await client.get("/z/guangzhou/search", params={"q": filed["other"].uscc})
        assert _file(filed["other"].id) in by_code.text and _file(filed["mine"].id) not in by_code.text
        both = await client.get("/z/guangzhou/search", params={"q": m})
        assert _file(filed["mine"].id) in both.text and _file(filed["other"].id) in both.text
        park = await client.get("/z/guangzhou/search", params={"q": "zzz-no-such-subject"})
        assert park.status_code == 200 and "未找到" in park.text


async def test_a_district_reviewer_opens_only_its_district(as_user, filed) -> None:
    m = filed["marker"]
    async with as_user(demo("district", "guangzhou")) as client:
        assert (await client.get(_file(filed["mine"].id))).status_code == 200
        assert (await client.get(_file(filed["other"].id))).status_code == 404
        found = await client.get("/z/guangzhou/search", params={"q": m})
        assert _file(filed["mine"].id) in found.text and _file(filed["other"].id) not in found.text


async def test_an_enterprise_user_cannot_open_a_file(as_user, filed, owner) -> None:
    own = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        demo("enterprise", "guangzhou"),
    )
    async with as_user(demo("enterprise", "guangzhou")) as client:
        for path in (_file(filed["mine"].id), _file(own), "/z/guangzhou/search?q=x"):
            refused = await client.get(path, follow_redirects=False)
            assert refused.status_code == 403, path
        page = await client.get("/z/guangzhou/enterprises/")
        assert 'id="header-q"' not in page.text
    async with as_user(demo("enterprise", "foshan")) as client:
        assert (await client.get(_file(filed["mine"].id), follow_redirects=False)).status_code in (403, 404)


async def test_a_park_file_and_its_search(as_user, owner) -> None:
    marker = factories.unique("园区档案")
    park = await factories.park("guangzhou", name_zh=f"{marker}园", district_code="440103")
    member = await factories.enterprise("guangzhou", name=f"{marker}入驻企业", park=park.id, district_code="440103")
    scheme = await factories.scheme("guangzhou", "park")
    await factories.application(
        "guangzhou",
        scheme,
        "park",
        park.id,
        status="in_review",
        subject_label=f"{marker}-园区认定",
        applicant_park=park.id,
        district_code="440103",
    )
    try:
        async with as_user(demo("admin", "guangzhou")) as client:
            found = await client.get("/z/guangzhou/search", params={"q": f"{marker}园"})
            link = f"/z/guangzhou/dossier/parks/{park.id}"
            assert link in found.text
            page = await client.get(link)
            assert page.status_code == 200
            assert f"{marker}-园区认定" in page.text and "审核中" in page.text
            assert f"/z/guangzhou/dossier/enterprises/{member.id}" in page.text  # its enterprises
            assert link in (await client.get(f"/z/guangzhou/parks/{park.id}")).text
    finally:
        await owner.execute("DELETE FROM submission WHERE subject_label LIKE $1", f"{marker}%")
        await owner.execute("DELETE FROM enterprise WHERE id = $1", member.id)
        await owner.execute("DELETE FROM park WHERE id = $1", park.id)

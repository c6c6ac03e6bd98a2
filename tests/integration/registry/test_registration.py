"""Self-registration of parks and enterprises: public forms with field errors and a per-IP rate limit,
pending rows invisible outside the bureau, acceptance with an invitation, rejection with a reason."""

from __future__ import annotations

import json
import re
import uuid

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from tests.support import csrf_of, demo

from pilotzone.registry.uscc import with_check

GZ = "/z/guangzhou"
LINK = re.compile(r"http://testserver\.local(/z/guangzhou/invite/[\w-]+)")


def _code() -> str:
    return with_check(f"91440101MA{uuid.uuid4().int % 10**7:07d}")


async def _remove(owner: asyncpg.Connection) -> None:
    """The parks and enterprises registered here, their registrations (submissions) and memberships."""
    await owner.execute(
        "DELETE FROM submission WHERE applicant_enterprise IN (SELECT id FROM enterprise WHERE name LIKE '测试自登记%')"
        " OR applicant_park IN (SELECT id FROM park WHERE name_zh LIKE '测试自登记%')"
    )
    await owner.execute("DELETE FROM enterprise WHERE name LIKE '测试自登记%'")
    await owner.execute(
        "DELETE FROM membership WHERE park IN (SELECT id FROM park WHERE name_zh LIKE '测试自登记%')"
    )
    await owner.execute("DELETE FROM park WHERE name_zh LIKE '测试自登记%'")


@pytest.fixture
async def cleanup(owner: asyncpg.Connection):  # type: ignore[no-untyped-def]
    await _remove(owner)
    yield
    await _remove(owner)


@pytest.fixture
async def public(app):  # type: ignore[no-untyped-def]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        client.headers["X-CSRF-Token"] = await csrf_of(client)
        yield client


async def _first_park(owner: asyncpg.Connection, tenants: dict) -> asyncpg.Record:
    return await owner.fetchrow(
        "SELECT id, district_code FROM park WHERE tenant_id = $1 AND status = 'active' ORDER BY id LIMIT 1",
        tenants["guangzhou"],
    )


async def _registration(owner: asyncpg.Connection, kind: str, row_id: int) -> asyncpg.Record:
    """The registration (a submission of kind registration) of the park or enterprise ``row_id``."""
    return await owner.fetchrow(
        "SELECT * FROM submission WHERE kind = 'registration' AND subject_kind = $1 AND subject_id = $2",
        kind,
        row_id,
    )


async def _history(owner: asyncpg.Connection, submission: int) -> list[tuple[str, str, str]]:
    rows = await owner.fetch(
        "SELECT field_key, old_value, new_value FROM submission_change WHERE submission = $1 ORDER BY id",
        submission,
    )
    return [tuple(r) for r in rows]


def _enterprise_form(park: asyncpg.Record, name: str, code: str) -> dict[str, str]:
    return {
        "name": name,
        "uscc": code,
        "park_id": str(park["id"]),
        "business_scope": "跨境电商零售进口；供应链管理服务",
        "contact_name": "李四",
        "contact_phone": "020-38880000",
        "contact_email": f"{uuid.uuid4().hex[:8]}@example.cn",
    }


async def test_enterprise_registers_itself_and_the_bureau_accepts(
    public, admin_gz, as_user, app, owner, tenants, cleanup
) -> None:
    park = await _first_park(owner, tenants)
    landing = await public.get("/")
    assert f'href="{GZ}/register/enterprise"' in landing.text and f'href="{GZ}/register/park"' in landing.text
    page = await public.get(f"{GZ}/register/enterprise")
    assert page.status_code == 200 and 'name="business_scope"' in page.text
    code = _code()
    form = _enterprise_form(park, "测试自登记甲", code)
    bad = await public.post(
        f"{GZ}/register/enterprise",
        data={**form, "uscc": code[:-1] + "0" if code[-1] != "0" else code[:-1] + "1"},
    )
    assert (
        bad.status_code == 400 and "统一社会信用代码无效" in bad.text and 'value="测试自登记甲"' in bad.text
    )
    assert 'aria-invalid="true"' in bad.text and "跨境电商零售进口" in bad.text  # what was typed is kept
    for field, value, text in (
        ("contact_email", "not-an-email", "有效的电子邮箱"),
        ("contact_phone", "call me", "有效的电话号码"),
        ("business_scope", "", "经营范围"),
    ):
        wrong = await public.post(f"{GZ}/register/enterprise", data={**form, field: value})
        assert wrong.status_code == 400 and text in wrong.text, field
    taken = await owner.fetchval(
        "SELECT uscc FROM enterprise WHERE tenant_id = $1 AND status = 'active' LIMIT 1", tenants["guangzhou"]
    )
    duplicate = await public.post(f"{GZ}/register/enterprise", data={**form, "uscc": taken})
    assert duplicate.status_code == 400 and "已在本综试区登记" in duplicate.text
    sent = await public.post(f"{GZ}/register/enterprise", data=form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith(f"{GZ}/register/enterprise?sent=")
    row = await owner.fetchrow("SELECT * FROM enterprise WHERE name = '测试自登记甲'")
    receipt = await public.get(sent.headers["location"])  # 受理回执: reference number, what happens next
    assert f"-{row['id']:06d}</strong>" in receipt.text and "受理回执" in receipt.text and "测试自登记甲" in receipt.text
    forged = await public.get(f"{GZ}/register/enterprise?sent={row['id']}-0000")  # another's: no receipt
    assert forged.status_code == 200 and 'id="receipt"' not in forged.text
    assert row["status"] == "pending" and row["source"] == "registration" and row["uscc"] == code
    assert row["district_code"] == park["district_code"] and row["contact_name"] == "李四"
    registration = await _registration(owner, "enterprise", row["id"])
    assert registration["status"] == "pending" and registration["subject_label"] == "测试自登记甲"
    assert registration["applicant_enterprise"] == row["id"] and registration["applicant_park"] == park["id"]
    assert registration["district_code"] == park["district_code"] and registration["created_by"] is None
    declared = json.loads(registration["values"])
    assert declared["uscc"] == code and declared["business_scope"] == "跨境电商零售进口；供应链管理服务"
    assert declared["contact_email"] == row["contact_email"] and declared["park"] == str(park["id"])
    assert await _history(owner, registration["id"]) == [("status", "", "pending")]
    again = await public.post(f"{GZ}/register/enterprise", data={**form, "name": "测试自登记乙"})
    assert again.status_code == 400 and "已在本综试区登记" in again.text  # a pending code is taken too

    # pending: not listed, not counted, invisible to everyone but the bureau
    for local in ("park", "district", "enterprise"):
        async with as_user(demo(local, "guangzhou")) as client:
            assert (await client.get(f"{GZ}/enterprises/{row['id']}")).status_code == 404, local
            assert (
                "测试自登记甲"
                not in (await client.get(f"{GZ}/enterprises/", params={"q": "测试自登记"})).text
            )
            assert "测试自登记甲" not in (await client.get(f"{GZ}/parks/{park['id']}")).text
    async with as_user(demo("province-viewer")) as client:
        assert (await client.get(f"{GZ}/enterprises/{row['id']}")).status_code == 404
    async with as_user(demo("reviewer", "guangzhou")) as client:
        detail = await client.get(f"{GZ}/enterprises/{row['id']}")
        assert (
            detail.status_code == 200 and "登记待商务局确认" in detail.text and "确认登记" not in detail.text
        )
        assert (await client.post(f"{GZ}/enterprises/{row['id']}/accept")).status_code == 403
    listing = await admin_gz.get(f"{GZ}/enterprises/", params={"q": "测试自登记"})
    assert "测试自登记甲" not in listing.text and "待确认的登记" in listing.text
    queue = await admin_gz.get(f"{GZ}/registrations")
    assert queue.status_code == 200 and "测试自登记甲" in queue.text and code in queue.text

    accepted = await admin_gz.post(f"{GZ}/enterprises/{row['id']}/accept")
    assert accepted.status_code == 200 and row["contact_email"] in accepted.text
    assert "ZS-" in accepted.text and f"-{row['id']:06d}</strong>" in accepted.text  # the decision's receipt
    path = LINK.search(accepted.text).group(1)
    assert await owner.fetchval("SELECT status FROM enterprise WHERE id = $1", row["id"]) == "active"
    decided = await _registration(owner, "enterprise", row["id"])
    assert decided["status"] == "active" and decided["moved_at"] is not None and decided["updated_by"]
    assert await _history(owner, registration["id"]) == [
        ("status", "", "pending"),
        ("status", "pending", "active"),
    ]
    assert "测试自登记甲" not in (await admin_gz.get(f"{GZ}/registrations")).text
    second = await admin_gz.post(f"{GZ}/enterprises/{row['id']}/accept")
    assert second.status_code == 200 and LINK.search(second.text) is None  # no second invitation
    grant = await owner.fetchval(
        "SELECT \"grant\"::text FROM one_time_token WHERE kind = 'invite' AND email = $1",
        row["contact_email"],
    )
    assert '"enterprise_user"' in grant and str(row["id"]) in grant
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as guest:
        token = await csrf_of(guest)
        joined = await guest.post(
            path,
            data={"password": "enterprise-passw0rd", "display_name": "李四", "csrf_token": token},
            follow_redirects=False,
        )
        assert joined.status_code == 303
        assert (await guest.get(f"{GZ}/enterprises/{row['id']}")).status_code == 200
    member = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        row["contact_email"],
    )
    assert member == row["id"]
    actions = await owner.fetch(
        "SELECT action, actor FROM audit_log WHERE object_type = 'enterprise' AND object_id = $1 ORDER BY id",
        str(row["id"]),
    )
    assert [a["action"] for a in actions] == ["enterprise.registered", "enterprise.accepted"]
    assert actions[0]["actor"] == "public"
    await owner.execute("DELETE FROM membership WHERE enterprise = $1", row["id"])


async def test_bureau_rejects_with_a_reason_and_a_corrected_registration_may_follow(
    public, admin_gz, owner, tenants, cleanup
) -> None:
    park = await _first_park(owner, tenants)
    code = _code()
    form = _enterprise_form(park, "测试自登记丙", code)
    assert (
        await public.post(f"{GZ}/register/enterprise", data=form, follow_redirects=False)
    ).status_code == 303
    eid = await owner.fetchval("SELECT id FROM enterprise WHERE name = '测试自登记丙'")
    empty = await admin_gz.post(f"{GZ}/enterprises/{eid}/reject", data={"reason": " "})
    assert empty.status_code == 400 and "不予通过的理由" in empty.text and 'aria-invalid="true"' in empty.text
    rejected = await admin_gz.post(
        f"{GZ}/enterprises/{eid}/reject", data={"reason": "营业执照与名称不符"}, follow_redirects=False
    )
    assert rejected.status_code == 303 and rejected.headers["location"].endswith("?decided=1")
    receipt = await admin_gz.get(rejected.headers["location"])
    assert "审核决定回执" in receipt.text and "营业执照与名称不符" in receipt.text and f"-{eid:06d}</strong>" in receipt.text
    row = await owner.fetchrow("SELECT status, reject_reason FROM enterprise WHERE id = $1", eid)
    assert dict(row) == {"status": "rejected", "reject_reason": "营业执照与名称不符"}
    registration = await _registration(owner, "enterprise", eid)
    assert registration["status"] == "rejected"
    assert (await _history(owner, registration["id"]))[1:] == [
        ("status", "pending", "rejected"),
        ("reject_reason", "", "营业执照与名称不符"),
    ]
    assert "营业执照与名称不符" in (await admin_gz.get(f"{GZ}/enterprises/{eid}")).text
    assert (await admin_gz.post(f"{GZ}/enterprises/{eid}/accept")).status_code == 200
    assert await owner.fetchval("SELECT status FROM enterprise WHERE id = $1", eid) == "rejected"
    assert "测试自登记丙" not in (await admin_gz.get(f"{GZ}/registrations")).text
    assert (
        await owner.fetchval(
            "SELECT after->>'reject_reason' FROM audit_log WHERE action = 'enterprise.rejected' AND object_id = $1",
            str(eid),
        )
        == "营业执照与名称不符"
    )
    corrected = await public.post(
        f"{GZ}/register/enterprise", data={**form, "name": "测试自登记丙（更正）"}, follow_redirects=False
    )
    assert corrected.status_code == 303  # the rejected row keeps its code without blocking it


async def test_park_registers_itself_with_a_decimal_area_and_operator_is_invited(
    public, admin_gz, as_user, owner, tenants, cleanup
) -> None:
    district = await owner.fetchval(
        "SELECT d->>'code' FROM tenant, jsonb_array_elements(districts) d WHERE slug = 'guangzhou' LIMIT 1"
    )
    email = f"park-{uuid.uuid4().hex[:6]}@example.cn"
    form = {
        "name_zh": "测试自登记园区",
        "kind": "industrial_park",
        "district_code": district,
        "operator": "广州测试园区运营有限公司",
        "address": "广州市黄埔区测试路 1 号",
        "area": "125000.50",
        "contact_name": "王五",
        "contact_phone": "+86 20 3888 0000",
        "contact_email": email,
    }
    for area, text in (("0", "大于 0"), ("abc", "平方米"), ("1.005", "两位小数")):
        bad = await public.post(f"{GZ}/register/park", data={**form, "area": area})
        assert (
            bad.status_code == 400 and text in bad.text and 'value="广州测试园区运营有限公司"' in bad.text
        ), area
    wrong_kind = await public.post(f"{GZ}/register/park", data={**form, "kind": "spaceport"})
    assert wrong_kind.status_code == 400 and "园区类型" in wrong_kind.text
    sent = await public.post(f"{GZ}/register/park", data=form, follow_redirects=False)
    assert sent.status_code == 303
    row = await owner.fetchrow("SELECT * FROM park WHERE name_zh = '测试自登记园区'")
    assert row["status"] == "pending" and str(row["area"]) == "125000.50" and row["source"] == "registration"
    registration = await _registration(owner, "park", row["id"])
    assert registration["status"] == "pending" and registration["applicant_park"] == row["id"]
    assert registration["applicant_enterprise"] is None and registration["district_code"] == district
    assert json.loads(registration["values"])["area"] == "125000.50"
    queue = await admin_gz.get(f"{GZ}/registrations")
    assert "测试自登记园区" in queue.text and f'href="{GZ}/parks/{row["id"]}"' in queue.text
    assert "测试自登记园区" not in (await admin_gz.get(f"{GZ}/parks/", params={"q": "测试自登记"})).text
    async with as_user(demo("district", "guangzhou")) as client:
        assert (await client.get(f"{GZ}/parks/{row['id']}")).status_code == 404
    accepted = await admin_gz.post(f"{GZ}/parks/{row['id']}/accept")
    assert accepted.status_code == 200 and LINK.search(accepted.text) and email in accepted.text
    assert "广州测试园区运营有限公司" in accepted.text and "125,000.5" in accepted.text  # the area, grouped
    assert "测试自登记园区" in (await admin_gz.get(f"{GZ}/parks/", params={"q": "测试自登记"})).text
    assert (await _registration(owner, "park", row["id"]))["status"] == "active"
    grant = await owner.fetchval('SELECT "grant"::text FROM one_time_token WHERE email = $1', email)
    assert '"park_operator"' in grant and str(row["id"]) in grant
    # an enterprise registered into the accepted park is listed on the park page once accepted
    enterprise_form = _enterprise_form(row, "测试自登记丁", _code())
    enterprise_form["district_code"] = district
    assert (
        await public.post(f"{GZ}/register/enterprise", data=enterprise_form, follow_redirects=False)
    ).status_code == 303
    eid = await owner.fetchval("SELECT id FROM enterprise WHERE name = '测试自登记丁'")
    assert "测试自登记丁" not in (await admin_gz.get(f"{GZ}/parks/{row['id']}")).text
    await admin_gz.post(f"{GZ}/enterprises/{eid}/accept")
    park_page = await admin_gz.get(f"{GZ}/parks/{row['id']}")
    assert "测试自登记丁" in park_page.text and "园区内企业 (1)" in park_page.text


async def test_public_form_is_rate_limited_per_address(public, owner, tenants, cleanup) -> None:
    district = await owner.fetchval(
        "SELECT d->>'code' FROM tenant, jsonb_array_elements(districts) d WHERE slug = 'guangzhou' LIMIT 1"
    )
    form = {
        "kind": "bonded_zone",
        "district_code": district,
        "operator": "测试运营",
        "address": "测试地址 8 号",
        "area": "100",
        "contact_name": "赵六",
        "contact_phone": "13800000000",
        "contact_email": "z@example.cn",
    }
    for i in range(5):
        ok = await public.post(
            f"{GZ}/register/park", data={**form, "name_zh": f"测试自登记限流{i}"}, follow_redirects=False
        )
        assert ok.status_code == 303, ok.text[:300]
    sixth = await public.post(f"{GZ}/register/park", data={**form, "name_zh": "测试自登记限流5"})
    assert sixth.status_code == 429 and "一小时后再试" in sixth.text
    assert await owner.fetchval("SELECT count(*) FROM park WHERE name_zh LIKE '测试自登记限流%'") == 5
    # another pilot zone counts its own registrations
    fs_district = await owner.fetchval(
        "SELECT d->>'code' FROM tenant, jsonb_array_elements(districts) d WHERE slug = 'foshan' LIMIT 1"
    )
    other = await public.post(
        "/z/foshan/register/park",
        data={**form, "district_code": fs_district, "name_zh": "测试自登记限流佛山"},
        follow_redirects=False,
    )
    assert other.status_code == 303
    assert (
        await owner.fetchval("SELECT tenant_id FROM park WHERE name_zh = '测试自登记限流佛山'")
        == tenants["foshan"]
    )

"""The typed forms' bad input: a missing field re-renders the page with its field error (and the values
entered), a field posted twice is a 400 (Litestar's validation), never a 500; nothing is written."""

from __future__ import annotations

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from tests import factories
from tests.support import csrf_of, demo

GZ = "/z/guangzhou"


@pytest.fixture
async def public(app):  # type: ignore[no-untyped-def]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        client.headers["X-CSRF-Token"] = await csrf_of(client)
        yield client


async def _count(owner: asyncpg.Connection, sql: str) -> int:
    return await owner.fetchval(sql)


async def test_public_registration_with_missing_or_doubled_fields(public, owner) -> None:  # type: ignore[no-untyped-def]
    parks = "SELECT count(*) FROM park WHERE contact_name = '测试缺项'"
    missing = await public.post(
        f"{GZ}/register/park", data={"contact_name": "测试缺项", "operator": "测试运营"}
    )
    assert missing.status_code == 400 and "请填写园区名称。" in missing.text
    assert 'value="测试运营"' in missing.text  # the entered value is kept
    doubled = await public.post(f"{GZ}/register/park", data={"name_zh": ["甲园区", "乙园区"]})
    assert doubled.status_code == 400 and "Traceback" not in doubled.text
    enterprise = await public.post(f"{GZ}/register/enterprise", data={"contact_name": "测试缺项"})
    assert enterprise.status_code == 400 and 'aria-invalid="true"' in enterprise.text
    assert await _count(owner, parks) == 0


async def test_bureau_forms_with_missing_fields_show_their_errors(admin_gz, owner) -> None:  # type: ignore[no-untyped-def]
    park = (await factories.park("guangzhou", status="pending", source="registration")).id
    try:
        reject = await admin_gz.post(f"{GZ}/parks/{park}/reject", data={})
        assert reject.status_code == 400 and "请填写不予通过的理由" in reject.text
        assert await owner.fetchval("SELECT status FROM park WHERE id = $1", park) == "pending"
    finally:
        await owner.execute("DELETE FROM park WHERE id = $1", park)
    new_park = await admin_gz.post(f"{GZ}/parks/", data={"operator": "测试运营"})
    assert (
        new_park.status_code == 400
        and "请填写园区名称。" in new_park.text
        and 'value="测试运营"' in new_park.text
    )
    for path in ("/enterprises/", "/negative-list/", "/talents/", "/warehouses/"):
        answer = await admin_gz.post(f"{GZ}{path}", data={})
        assert answer.status_code == 400 and 'aria-invalid="true"' in answer.text, path
    one_service = await admin_gz.post(f"{GZ}/warehouses/", data={"services": "storage", "city": "测试城"})
    assert one_service.status_code == 400 and 'value="storage" checked' in one_service.text
    assert 'value="returns" checked' not in one_service.text
    invite = await admin_gz.post(f"{GZ}/admin/users/invite", data={"email": "typed-form@example.cn"})
    assert (
        invite.status_code == 400 and "请选择角色。" in invite.text and "typed-form@example.cn" in invite.text
    )
    doubled = await admin_gz.post(
        f"{GZ}/admin/users/invite", data={"role": ["bureau_admin", "bureau_reviewer"]}
    )
    assert doubled.status_code == 400


async def test_provincial_invitation_without_a_role(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("province-admin")) as client:
        answer = await client.post("/province/admin/users/invite", data={"email": "typed-p@example.cn"})
        # the role is a fixed choice: the page (as before) shows no error under it, keeps the email
        assert answer.status_code == 400 and 'value="typed-p@example.cn"' in answer.text


async def test_bulk_review_with_one_ticked_box_and_no_message(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("reviewer", "guangzhou")) as bureau:
        answer = await bureau.post(f"{GZ}/reviews/bulk", data={"ids": "999999999", "decision": "reject"})
        assert answer.status_code == 400 and "请选择驳回或要求补充材料，并填写说明。" in answer.text


async def test_sign_in_and_language_and_export_without_fields(public, as_user) -> None:  # type: ignore[no-untyped-def]
    login = await public.post("/login", data={"email": "nobody@example.cn"})
    assert login.status_code == 400 and "请输入电子邮箱和密码。" in login.text
    lang = await public.post("/lang", data={"lang": "en"}, follow_redirects=False)
    assert lang.status_code == 303 and lang.headers["location"] == "/"
    async with as_user(demo("province-viewer")) as viewer:
        assert (await viewer.get("/province/export?table=main")).status_code == 404
        assert (await viewer.get("/province/reports/document?id=abc")).status_code == 404
        assert (await viewer.get("/province/reports/file?kind=xlsx")).status_code == 404

"""The registration journey in a real browser, on the one workflow engine: the public registers an
enterprise, the bureau administrator finds it in the queue of registrations and accepts it (the
submission of kind registration moves pending → active), and the contact accepts the one-time
invitation and lands signed in as the enterprise's user."""

from __future__ import annotations

import random
import uuid

from playwright.sync_api import Browser, expect
from tests.browser.test_certification_journey import _as, _owner_sql

from pilotzone.registry.uscc import with_check

GZ = "/z/guangzhou"


def test_enterprise_registration_journey(browser: Browser, server: str, owner_dsn: str) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"测试自登记旅程贸易有限公司{tag}"
    email = f"journey-{tag}@example.cn"
    public = browser.new_context(locale="zh-CN").new_page()
    try:
        public.goto(server + f"{GZ}/register/enterprise")
        public.get_by_label("登记名称").fill(name)
        public.locator("#uscc").fill(with_check(f"91440101MA{random.randrange(10**7):07d}"))  # noqa: S311
        public.locator("#district_code").select_option(index=1)
        public.locator("#contact_name").fill("王经理")
        public.locator("#contact_phone").fill("13800001111")
        public.locator("#contact_email").fill(email)
        public.get_by_role("button", name="提交登记").click()
        # the business scope is missing: the form comes back with its error and keeps what was typed
        expect(public.get_by_role("alert")).to_contain_text("经营范围")
        expect(public.get_by_label("登记名称")).to_have_value(name)
        public.get_by_label("经营范围").fill("跨境电商出口（9610、9710）")
        public.get_by_role("button", name="提交登记").click()
        expect(public.get_by_role("status", name="受理回执")).to_contain_text("受理编号")  # the receipt
        expect(public.get_by_text("感谢提交。商务局审核登记，通过后联系人将收到邀请。")).to_be_visible()
        sub = _owner_sql(
            owner_dsn,
            "SELECT status FROM submission WHERE kind = 'registration' AND subject_label = $1",
            name,
        )
        assert sub == "pending"

        admin = _as(browser, server, "admin", f"{GZ}/registrations")
        row = admin.get_by_role("row").filter(has_text=name)
        expect(row).to_contain_text("企业")
        expect(row).to_contain_text("王经理")
        row.get_by_role("link", name=name).click()
        admin.get_by_role("button", name="确认登记").click()
        link = admin.locator("code.link-out")
        expect(link).to_contain_text("/invite/")
        invitation = link.inner_text().strip()
        assert _owner_sql(
            owner_dsn,
            "SELECT status FROM submission WHERE kind = 'registration' AND subject_label = $1",
            name,
        ) == "active"
        admin.goto(server + f"{GZ}/registrations")
        expect(admin.get_by_role("row").filter(has_text=name)).to_have_count(0)  # no longer waiting

        public.goto(invitation if invitation.startswith("http") else server + invitation)
        public.locator("#display_name").fill("王经理")
        public.locator("#password").fill("journey-password-2026")
        public.get_by_role("button", name="接受").click()
        expect(public).not_to_have_url(server + invitation)
        expect(public.locator("body")).to_contain_text("企业用户")
    finally:
        enterprise = _owner_sql(owner_dsn, "SELECT id FROM enterprise WHERE name = $1", name)
        if enterprise is not None:
            _owner_sql(owner_dsn, "DELETE FROM submission WHERE kind = 'registration' AND subject_id = $1", enterprise)
            _owner_sql(owner_dsn, "DELETE FROM pz_user WHERE email = $1 RETURNING 1", email)
            _owner_sql(owner_dsn, "DELETE FROM membership WHERE enterprise = $1", enterprise)
            _owner_sql(owner_dsn, "DELETE FROM enterprise WHERE id = $1", enterprise)

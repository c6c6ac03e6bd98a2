"""The certification journey in a real browser: an enterprise registers an overseas warehouse and applies
with documents, the district reviewer asks for information once, the district and bureau reviewers and
the bureau admin approve, the public notice runs, the certificate is issued and verified publicly."""

from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
from playwright.sync_api import Browser, Page, expect
from tests.browser.pages import sign_in
from tests.support import demo

from pilotzone.demo import sample_pdf

GZ = "/z/guangzhou"
DOCUMENTS = ("海外仓产权证明或租赁合同", "海外仓实景照片", "上年度服务企业清单及业务凭证")
FIELDS = {
    "海外仓面积（平方米）": "5200.5",
    "运营年限（年）": "3",
    "上年度服务跨境电商企业数（家）": "25",
}
CRITERIA = (
    "仓储规模与设施",
    "服务功能（退换货、维修、尾程配送）",
    "信息化水平",
    "公共服务开放程度",
)


def _as(browser: Browser, server: str, who: str, next_path: str) -> Page:
    page = browser.new_context().new_page()
    sign_in(page, server, demo(who, "guangzhou"), next_path)
    expect(page).to_have_url(server + next_path)
    return page


def _owner_sql(owner_dsn: str, sql: str, *args: Any) -> Any:
    """One query as the owner on its own connection and loop, in a worker thread (sync Playwright keeps
    an event loop running in this thread)."""

    async def run() -> Any:
        conn = await asyncpg.connect(owner_dsn)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


def _review(
    page: Page, server: str, city: str, button: str, comment: str, reopen: tuple[str, ...] = ()
) -> None:
    page.goto(server + f"{GZ}/reviews/")
    page.get_by_role("link", name=re.compile(re.escape(city))).click()
    expect(page).to_have_url(re.compile(rf"{GZ}/reviews/\d+$"))
    for criterion in CRITERIA:
        page.get_by_label(re.compile("^" + re.escape(criterion))).fill("9")
    page.get_by_label("审核意见、驳回理由或需补充的材料").fill(comment)
    for item in reopen:  # what the information request reopens
        page.locator("#reopen").get_by_label(item, exact=True).check()
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(rf"{GZ}/reviews/\?decided=\d+$"))
    expect(page.locator("#receipt-reference")).to_have_text(re.compile(r"^SH-\d{8}-\d{6}$"))
    page.context.close()


def test_overseas_warehouse_certification_journey(
    server: str,
    browser: Browser,
    owner_dsn: str,
    tmp_path: Path,
) -> None:
    city = "Journey" + uuid.uuid4().hex[:8]

    # the enterprise registers its warehouse and starts an application from the scheme page
    page = _as(browser, server, "enterprise", f"{GZ}/warehouses/")
    page.get_by_label("国家（地区）（ISO 3166 两位字母代码）").fill("DE")
    page.get_by_label("城市", exact=True).fill(city)
    page.get_by_label("地址", exact=True).fill("Hafenstr. 1")
    page.get_by_label("面积（平方米）", exact=True).fill("5200")
    page.get_by_label("仓储", exact=True).check()
    page.get_by_label("已对接仓储管理系统（WMS）").check()
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page).to_have_url(re.compile(rf"{GZ}/warehouses/\d+$"))

    page.goto(server + f"{GZ}/schemes/overseas-warehouse")
    page.get_by_role("link", name="发起申报").click()
    expect(page).to_have_url(re.compile(r"/applications/new\?scheme=overseas-warehouse"))
    subject = page.get_by_label("申报对象")
    subject.select_option(subject.locator("option", has_text=city).get_attribute("value"))
    page.get_by_role("button", name="创建申报草稿").click()
    expect(page).to_have_url(re.compile(rf"{GZ}/applications/\d+$"))
    application_url = page.url

    for n, label in enumerate(DOCUMENTS):
        pdf = tmp_path / f"doc{n}.pdf"
        pdf.write_bytes(sample_pdf(f"document {n}"))
        page.get_by_label(label, exact=True).set_input_files(pdf)
        page.locator("form", has=page.get_by_label(label, exact=True)).get_by_role(
            "button", name="上传"
        ).click()
        expect(page).to_have_url(application_url)
        expect(page.get_by_role("link", name=pdf.name)).to_be_visible()
    for label, value in FIELDS.items():
        page.get_by_label(re.compile("^" + re.escape(label))).fill(value)
    page.get_by_label(re.compile("^是否具备仓储管理系统")).select_option("yes")
    page.get_by_role("button", name="提交申报").click()
    expect(page).to_have_url(application_url + "?receipt=submitted")  # the receipt (受理回执) on the page
    expect(page.locator("#receipt-reference")).to_have_text(re.compile(r"^RD-\d{8}-\d{6}$"))
    expect(page.get_by_role("button", name="提交申报")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)

    # the district reviewer asks for information, reopening one field and one document; the enterprise
    # corrects the field, uploads a new version of the document and answers
    district = _as(browser, server, "district", f"{GZ}/reviews/")
    _review(
        district,
        server,
        city,
        "要求补充材料",
        "请补充海外仓近三个月的出入库记录，并更正服务企业数。",
        reopen=("上年度服务跨境电商企业数（家）", DOCUMENTS[2]),
    )
    page.reload()
    request = page.locator("#info-request")
    expect(request.get_by_text("请补充海外仓近三个月的出入库记录，并更正服务企业数。")).to_be_visible()
    expect(request).to_contain_text("本次补正开放修改：上年度服务跨境电商企业数（家）、" + DOCUMENTS[2])
    expect(request.get_by_label(re.compile("^海外仓面积"))).to_have_count(0)  # not reopened
    records = tmp_path / "出入库记录.pdf"
    records.write_bytes(sample_pdf("in and out, three months"))
    request.get_by_label("上传新版本：" + DOCUMENTS[2]).set_input_files(records)
    request.locator("form", has=page.get_by_label("上传新版本：" + DOCUMENTS[2])).get_by_role(
        "button", name="上传", exact=True
    ).click()
    expect(page).to_have_url(application_url)
    expect(page.locator("#info-request").get_by_role("link", name=records.name)).to_be_visible()
    request = page.locator("#info-request")
    clients = request.get_by_label(re.compile("^上年度服务跨境电商企业数"))
    expect(clients).to_have_value(FIELDS["上年度服务跨境电商企业数（家）"])
    clients.fill("5")  # below the scheme's minimum: refused at the field, nothing sent
    request.get_by_label("您的答复").fill("出入库记录已上传，服务企业数已更正。")
    request.get_by_role("button", name="提交答复并恢复审核").click()
    expect(
        page.locator("#info-request").get_by_label(re.compile("^上年度服务跨境电商企业数"))
    ).to_have_attribute("aria-invalid", "true")
    page.locator("#info-request").get_by_label(re.compile("^上年度服务跨境电商企业数")).fill("32")
    page.locator("#info-request").get_by_role("button", name="提交答复并恢复审核").click()
    expect(page).to_have_url(application_url + "?receipt=answered")
    expect(page.get_by_role("button", name="提交答复并恢复审核")).to_have_count(0)
    page.context.close()

    # the district reviewer sees what the answer changed before deciding again
    district = _as(browser, server, "district", f"{GZ}/reviews/")
    district.get_by_role("link", name=re.compile(re.escape(city))).click()
    answers = district.locator("#answers")
    expect(answers).to_contain_text("出入库记录已上传，服务企业数已更正。")
    expect(
        answers.get_by_role("row", name=re.compile("上年度服务跨境电商企业数（家） 25 32"))
    ).to_be_visible()
    expect(answers.get_by_role("link", name=records.name)).to_be_visible()
    district.context.close()

    # district, bureau reviewer and bureau admin approve
    _review(
        _as(browser, server, "district", f"{GZ}/reviews/"), server, city, "通过，转下一环节", "材料齐全。"
    )
    _review(_as(browser, server, "reviewer", f"{GZ}/reviews/"), server, city, "通过，转下一环节", "同意。")
    _review(_as(browser, server, "admin", f"{GZ}/reviews/"), server, city, "通过认定", "同意认定。")

    # anyone sees the public notice
    public = browser.new_context().new_page()
    public.goto(server + f"{GZ}/notices/")
    expect(public.get_by_role("cell", name=re.compile(re.escape(city)))).to_be_visible()
    public.context.close()

    # the notice ends; the bureau admin issues the certificate
    application_id = int(application_url.rsplit("/", 1)[1])
    status = _owner_sql(
        owner_dsn,
        "UPDATE notice n SET notice_until = now() - interval '1 minute' FROM submission s "
        "WHERE n.kind = 'certification' AND n.submission = $1 AND s.id = n.submission RETURNING s.status",
        application_id,
    )
    assert status == "notice"
    admin = _as(browser, server, "admin", f"{GZ}/notices/objections")
    admin.get_by_role("button", name="颁发公示期满的证书").click()
    expect(admin).to_have_url(re.compile(rf"{GZ}/certificates/\?issued=\d+$"))
    expect(admin.get_by_role("status")).to_contain_text("本次颁发证书")
    row = admin.get_by_role("row", name=re.compile(re.escape(city)))
    expect(row).to_contain_text(re.compile(r"GZ-HWC-\d{4}-\d{4}"))
    number = re.search(r"GZ-HWC-\d{4}-\d{4}", row.inner_text()).group(0)  # type: ignore[union-attr]
    admin.context.close()

    # anyone verifies it
    public = browser.new_context().new_page()
    public.goto(server + "/verify/")  # the lookup form, as a person types the printed number
    public.get_by_label("证书编号").fill(number)
    public.get_by_role("button", name="核验").click()
    expect(public).to_have_url(server + f"/verify/{number}")
    expect(public.get_by_role("heading", level=1)).to_have_text("证书核验")
    expect(public.locator("[data-issuer]")).to_have_text("广州市商务局")
    expect(public.get_by_text(number, exact=True)).to_be_visible()
    expect(public.locator("[data-state]")).to_have_text("有效")
    expect(public.get_by_text(re.compile(re.escape(city)))).to_be_visible()
    public.context.close()

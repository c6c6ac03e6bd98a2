"""Certification applications: draft with autosave and history, submission checks, documents by key
with earlier versions kept, several users of one enterprise, withdrawal, scope."""

from __future__ import annotations

from tests.integration.certification.steps import SECOND, VALID, upload
from tests.support import demo

from pilotzone.demo import sample_pdf

GZ = "/z/guangzhou/applications"


async def test_an_application_from_draft_to_withdrawal(as_user, owner, arranged) -> None:
    warehouse = arranged["warehouse"]
    async with as_user(demo("enterprise", "guangzhou")) as client:
        scheme_page = await client.get("/z/guangzhou/schemes/overseas-warehouse")
        assert f"{GZ}/new?scheme=overseas-warehouse" in scheme_page.text
        chooser = await client.get(f"{GZ}/new?scheme=overseas-warehouse")
        assert chooser.status_code == 200 and "申报测试仓" in chooser.text
        foreign_subject = await client.post(
            f"{GZ}/", data={"scheme": "overseas-warehouse", "subject_id": "999999"}, follow_redirects=False
        )
        assert foreign_subject.status_code == 400
        created = await client.post(
            f"{GZ}/",
            data={"scheme": "overseas-warehouse", "subject_id": str(warehouse)},
            follow_redirects=False,
        )
        assert created.status_code == 303
        app_id = int(created.headers["location"].rsplit("/", 1)[1])
        row = await owner.fetchrow(
            "SELECT s.*, a.spec FROM submission s JOIN application a ON a.id = s.id WHERE s.id = $1", app_id
        )
        assert row["status"] == "draft" and row["subject_id"] == warehouse
        assert row["applicant_enterprise"] == arranged["enterprise"] and '"floor_area"' in row["spec"]

        page = await client.get(f"{GZ}/{app_id}")
        assert page.status_code == 200
        assert 'data-hx-trigger="change delay:500ms"' in page.text and 'name="floor_area"' in page.text
        assert 'min="3000"' in page.text and 'aria-required="true"' in page.text

        saved = await client.post(
            f"{GZ}/{app_id}/autosave", data={"floor_area": "5000"}, headers={"HX-Request": "true"}
        )
        assert saved.status_code == 200 and "已保存" in saved.text and "<html" not in saved.text
        change = await owner.fetchrow(
            "SELECT * FROM submission_change WHERE submission = $1 AND field_key = 'floor_area'", app_id
        )
        assert change["user_email"] == demo("enterprise", "guangzhou")
        assert change["old_value"] == "" and change["new_value"] == "5000"
        plain = await client.post(
            f"{GZ}/{app_id}/autosave", data={"operating_years": "2"}, follow_redirects=False
        )
        assert plain.status_code == 303 and plain.headers["location"] == f"{GZ}/{app_id}"

        refused = await client.post(
            f"{GZ}/{app_id}/submit",
            data={"floor_area": "100", "clients_served": "many"},
            follow_redirects=False,
        )
        assert refused.status_code == 400
        assert 'value="100"' in refused.text and 'aria-invalid="true"' in refused.text
        assert (
            "不少于 3000" in refused.text and "请输入整数" in refused.text and "请上传此材料" in refused.text
        )
        row = await owner.fetchrow('SELECT status, "values" FROM submission WHERE id = $1', app_id)
        assert row["status"] == "draft" and '"5000"' in row["values"] and "100" not in row["values"]

        assert (
            await upload(client, app_id, "lease", "租赁合同.pdf", sample_pdf("lease one"))
        ).status_code == 303
        assert (
            await upload(client, app_id, "lease", "租赁合同v2.pdf", sample_pdf("lease two"))
        ).status_code == 303
        assert (await upload(client, app_id, "photos", "照片.pdf", sample_pdf("photos"))).status_code == 303
        assert (await upload(client, app_id, "nonsense", "x.pdf", sample_pdf("x"))).status_code == 400
        names = [
            r["filename"]
            for r in await owner.fetch(
                "SELECT filename FROM document WHERE owner_kind = 'application' AND owner_id = $1 ORDER BY id",
                app_id,
            )
        ]
        assert names == ["lease/租赁合同.pdf", "lease/租赁合同v2.pdf", "photos/照片.pdf"]
        page = await client.get(f"{GZ}/{app_id}")
        assert page.text.index("租赁合同v2.pdf") < page.text.index("租赁合同.pdf")  # newest first
        missing = await client.post(f"{GZ}/{app_id}/submit", data=VALID, follow_redirects=False)
        assert missing.status_code == 400 and "请上传此材料" in missing.text
        assert (
            await upload(client, app_id, "service_records", "记录.pdf", sample_pdf("rec"))
        ).status_code == 303

    async with as_user(SECOND) as second:
        edited = await second.post(
            f"{GZ}/{app_id}/autosave", data={"clients_served": "30"}, headers={"HX-Request": "true"}
        )
        assert edited.status_code == 200
        history = (await second.get(f"{GZ}/{app_id}")).text
        assert SECOND in history and demo("enterprise", "guangzhou") in history

    async with as_user(demo("enterprise", "guangzhou")) as client:
        submitted = await client.post(f"{GZ}/{app_id}/submit", data=VALID, follow_redirects=False)
        assert submitted.status_code == 303, submitted.text[:2000]
        row = await owner.fetchrow(
            'SELECT status, submitted_at, "values" FROM submission WHERE id = $1', app_id
        )
        assert (
            row["status"] == "in_review" and row["submitted_at"] is not None and '"5200.5"' in row["values"]
        )
        late = await client.post(
            f"{GZ}/{app_id}/autosave", data={"floor_area": "1"}, headers={"HX-Request": "true"}
        )
        assert late.status_code == 409
        listed = await client.get(f"{GZ}/")
        assert f"{GZ}/{app_id}" in listed.text and "审核中" in listed.text
        withdrawn = await client.post(f"{GZ}/{app_id}/withdraw", follow_redirects=False)
        assert withdrawn.status_code == 303
        assert await owner.fetchval("SELECT status FROM submission WHERE id = $1", app_id) == "withdrawn"
    for action in ("application.created", "application.submitted", "application.withdrawn"):
        assert (
            await owner.fetchval(
                "SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2", action, str(app_id)
            )
            == 1
        ), action
    emails = {
        r["user_email"]
        for r in await owner.fetch("SELECT user_email FROM submission_change WHERE submission = $1", app_id)
    }
    assert emails == {demo("enterprise", "guangzhou"), SECOND}


async def test_scope_and_who_may_start(as_user, admin_gz, admin_fs, arranged) -> None:
    foreign = arranged["foreign"]
    for local in ("enterprise", "park", "district"):
        async with as_user(demo(local, "guangzhou")) as client:
            assert (await client.get(f"{GZ}/{foreign}")).status_code == 404, local
            assert "他企申报测试" not in (await client.get(f"{GZ}/")).text, local
    assert (await admin_fs.get(f"/z/foshan/applications/{foreign}")).status_code == 404
    page = await admin_gz.get(f"{GZ}/{foreign}")
    assert page.status_code == 200 and "他企申报测试" in page.text
    assert "他企申报测试" in (await admin_gz.get(f"{GZ}/")).text
    # the bureau reads it, but only the scheme's applicants (enterprise users) change it
    assert (await admin_gz.post(f"{GZ}/{foreign}/autosave", data={"wms": "no"})).status_code == 404
    async with as_user(demo("park", "guangzhou")) as park:
        assert (await park.get(f"{GZ}/new?scheme=overseas-warehouse")).status_code == 403
        refused = await park.post(
            f"{GZ}/",
            data={"scheme": "overseas-warehouse", "subject_id": str(arranged["warehouse"])},
            follow_redirects=False,
        )
        assert refused.status_code == 403
        assert f"{GZ}/new" not in (await park.get("/z/guangzhou/schemes/overseas-warehouse")).text
    async with as_user(demo("district", "guangzhou")) as district:
        assert (await district.get(f"{GZ}/new?scheme=overseas-warehouse")).status_code == 403

"""Certificate expiry and renewal reminders (the sweep job, from the bureau's button and from the CLI),
and renewal: a new application prefilled from the old one, reviewed as usual; when certified the old
certificate is renewed, the new one is valid from the old one's end, /verify says so.

Time moves the way the notice tests move it: the owner connection shifts the stored moments
(``notice_until``, ``valid_until``) behind the app's back; the app judges by its one clock."""

from __future__ import annotations

import asyncio
import json

import asyncpg
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from tests.integration.certification.steps import VALID, approve_new, score_form, state_of, upload
from tests.support import demo, wait_done

from pilotzone.demo import sample_pdf

GZ = "/z/guangzhou"


async def _certify(admin_gz, owner: asyncpg.Connection, app_id: int) -> asyncpg.Record:  # type: ignore[no-untyped-def]
    await owner.execute(
        "UPDATE notice SET notice_until = now() - interval '1 minute' "
        "WHERE kind = 'certification' AND submission = $1",
        app_id,
    )
    assert (await admin_gz.post(f"{GZ}/notices/issue", follow_redirects=False)).status_code == 303
    assert (await state_of(owner, app_id))[0] == "certified"
    return await owner.fetchrow("SELECT * FROM certificate WHERE application = $1", app_id)


async def _reminders(owner: asyncpg.Connection, certificate: int) -> list[str]:
    rows = await owner.fetch(
        "SELECT kind FROM certificate_reminder WHERE certificate = $1 ORDER BY kind", certificate
    )
    return [r["kind"] for r in rows]


async def _sweep_by_button(admin_gz, owner: asyncpg.Connection) -> asyncpg.Record:  # type: ignore[no-untyped-def]
    started = await admin_gz.post(f"{GZ}/certificates/sweep", headers={"HX-Request": "true"})
    assert started.status_code in (200, 303) and 'data-hx-trigger="every 1s"' in started.text
    assert "<html" not in started.text and "证书到期检查" in started.text
    run_id = int(started.text.split('id="job-', 1)[1].split('"', 1)[0])
    return await wait_done(owner, run_id)


async def test_reminders_renewal_and_expiry(
    app,
    as_user,
    admin_gz,
    admin_fs,
    owner,
    tenants,
    worker,
    certified_cleanup,
) -> None:  # type: ignore[no-untyped-def]
    gz = tenants["guangzhou"]
    old_app = await approve_new(as_user, admin_gz, owner, certified_cleanup["warehouse"])
    old = await _certify(admin_gz, owner, old_app)
    await owner.execute(
        "UPDATE certificate SET valid_until = now() + interval '10 days' WHERE id = $1", old["id"]
    )

    # the holders may not sweep; the bureau's button does, with the progress widget
    async with as_user(demo("enterprise", "guangzhou")) as holder:
        assert (await holder.post(f"{GZ}/certificates/sweep")).status_code == 403
    assert (await admin_fs.post(f"{GZ}/certificates/sweep")).status_code in (403, 404)
    run = await _sweep_by_button(admin_gz, owner)
    assert run["status"] == "done" and run["done"] >= 1
    assert await _reminders(owner, old["id"]) == ["renewal"]
    assert (await _sweep_by_button(admin_gz, owner))["status"] == "done"
    assert await _reminders(owner, old["id"]) == ["renewal"]  # a rerun makes no duplicate
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'certificate.reminded' AND object_id = $1",
            str(old["id"]),
        )
        == 1
    )

    expiring = await admin_gz.get(f"{GZ}/certificates/?show=expiring")
    assert expiring.status_code == 200 and old["number"] in expiring.text and "剩余" in expiring.text
    assert old["number"] not in (await admin_fs.get("/z/foshan/certificates/?show=expiring")).text

    async with as_user(demo("enterprise", "guangzhou")) as holder:
        home = await holder.get(f"{GZ}/")
        assert home.status_code == 200 and old["number"] in home.text and "天后到期" in home.text
        listing = await holder.get(f"{GZ}/certificates/")
        assert "申请续期" in listing.text
        started = await holder.post(f"{GZ}/certificates/{old['id']}/renew", follow_redirects=False)
        assert started.status_code == 303
        renewal = int(started.headers["location"].rsplit("/", 1)[1])
        again = await holder.post(f"{GZ}/certificates/{old['id']}/renew", follow_redirects=False)
        assert again.headers["location"] == started.headers["location"]  # the one under way, not a second
        row = await owner.fetchrow(
            "SELECT s.*, a.renews FROM submission s JOIN application a ON a.id = s.id WHERE s.id = $1",
            renewal,
        )
        assert (
            row["status"] == "draft"
            and row["renews"] == old["id"]
            and row["subject_id"] == certified_cleanup["warehouse"]
        )
        assert json.loads(row["values"]) == VALID  # prefilled from the old application
        assert "续期申报办理中" in (await holder.get(f"{GZ}/certificates/")).text
        for key in ("lease", "photos", "service_records"):
            uploaded = await upload(holder, renewal, key, f"{key}-2.pdf", sample_pdf(key))
            assert uploaded.status_code == 303
        submitted = await holder.post(f"{GZ}/applications/{renewal}/submit", follow_redirects=False)
        assert submitted.status_code == 303 and (await state_of(owner, renewal)) == ("in_review", 0)
    async with as_user(demo("park", "guangzhou")) as stranger:  # not a holder of this scheme's subject
        refused = await stranger.post(f"{GZ}/certificates/{old['id']}/renew", follow_redirects=False)
        assert refused.status_code in (404, 409)
    assert (await admin_fs.post(f"/z/foshan/certificates/{old['id']}/renew")).status_code in (403, 404)

    for who in ("district", "reviewer"):
        async with as_user(demo(who, "guangzhou")) as reviewer:
            done = await reviewer.post(
                f"{GZ}/reviews/{renewal}",
                data={"decision": "approve", **await score_form(owner, renewal, 0.8)},
                follow_redirects=False,
            )
            assert done.status_code == 303
    final = await admin_gz.post(
        f"{GZ}/reviews/{renewal}",
        data={"decision": "approve", **await score_form(owner, renewal, 0.9)},
        follow_redirects=False,
    )
    assert final.status_code == 303 and (await state_of(owner, renewal))[0] == "notice"
    new = await _certify(admin_gz, owner, renewal)
    old_now = await owner.fetchrow("SELECT * FROM certificate WHERE id = $1", old["id"])
    assert old_now["status"] == "renewed" and old_now["renewed_by"] == new["id"]
    assert new["valid_from"] == old_now["valid_until"] and new["number"] != old["number"]
    assert new["valid_until"].year == old_now["valid_until"].year + 3
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'certificate.renewed' AND object_id = $1",
            str(old["id"]),
        )
        == 1
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        page = await public.get(f"/verify/{old['number']}")
        assert 'data-state="renewed"' in page.text and f'data-renewed-by="{new["number"]}"' in page.text
        assert 'data-state="valid"' in (await public.get(f"/verify/{new['number']}")).text

    # the new one ends: the daily command (as cron runs it) marks it expired and reminds the holder
    await owner.execute(
        "UPDATE certificate SET valid_until = now() - interval '1 day' WHERE id = $1", new["id"]
    )
    result = await asyncio.to_thread(
        CliRunner().invoke,
        __import__("pilotzone.cli", fromlist=["main"]).main,
        ["certificates", "sweep", "--tenant", "guangzhou", "--wait"],
    )
    assert result.exit_code == 0, result.output
    assert "guangzhou: job run" in result.output and "done" in result.output
    new_now = await owner.fetchrow("SELECT * FROM certificate WHERE id = $1", new["id"])
    assert new_now["status"] == "expired"
    assert await _reminders(owner, new["id"]) == ["expired"]  # it ended before any renewal reminder
    audit = await owner.fetchrow(
        "SELECT * FROM audit_log WHERE action = 'certificate.expired' AND object_id = $1", str(new["id"])
    )
    assert (
        audit is not None and audit["tenant_id"] == gz and json.loads(audit["after"])["status"] == "expired"
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        assert 'data-state="expired"' in (await public.get(f"/verify/{new['number']}")).text
    async with as_user(demo("enterprise", "guangzhou")) as holder:
        home = await holder.get(f"{GZ}/")
        assert new["number"] in home.text and "过期" in home.text
        assert old["number"] not in home.text  # renewed: nothing left to remind of
    bad = await asyncio.to_thread(
        CliRunner().invoke,
        __import__("pilotzone.cli", fromlist=["main"]).main,
        ["certificates", "sweep", "--tenant", "atlantis"],
    )
    assert bad.exit_code == 2 and "atlantis" in bad.output

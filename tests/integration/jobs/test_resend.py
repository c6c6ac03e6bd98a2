"""Runs recorded but not sent are re-sent while the system runs (issue 11, item 8): the periodic
re-send picks up what a dead process never sent, the administrator's retry works only in the own
pilot zone, and a re-send never duplicates work."""

from __future__ import annotations

import asyncio

import asyncpg
from tests.support import wait_done

from pilotzone.jobs import services
from pilotzone.jobs.services import resend_unsent
from pilotzone.tenancy.tables import tenant_tables


async def test_periodic_resend_sends_what_a_dead_process_never_sent(
    worker, owner: asyncpg.Connection, unsent_run
) -> None:
    run_id = await unsent_run("shantou")
    await owner.execute("UPDATE job_run SET send_due = send_due - interval '1 minute' WHERE id = $1", run_id)
    assert await resend_unsent() >= 1
    done = await wait_done(owner, run_id)
    assert done["status"] == "done" and done["send_due"] is None and done["enqueued_at"] is not None
    assert await owner.fetchval("SELECT count(*) FROM tenant_snapshot WHERE run_id = $1", run_id) == 1


async def test_admin_retry_is_confined_to_the_own_pilot_zone(
    admin_gz, admin_fs, worker, owner: asyncpg.Connection, unsent_run
) -> None:
    run_id = await unsent_run("foshan")
    await owner.execute("UPDATE job_run SET send_due = send_due - interval '1 minute' WHERE id = $1", run_id)
    listing = await admin_fs.get("/z/foshan/jobs/")
    assert listing.status_code == 200 and f'id="waiting-{run_id}"' in listing.text
    before = await owner.fetchrow("SELECT send_due, status FROM job_run WHERE id = $1", run_id)
    other = await admin_gz.post(f"/z/guangzhou/jobs/{run_id}/resend", follow_redirects=False)
    assert other.status_code == 303 and other.headers["location"] == "/z/guangzhou/jobs/"
    assert await owner.fetchrow("SELECT send_due, status FROM job_run WHERE id = $1", run_id) == before
    assert f'id="waiting-{run_id}"' not in (await admin_gz.get("/z/guangzhou/jobs/")).text
    for _ in range(2):  # twice: the second message finds the work done
        again = await admin_fs.post(f"/z/foshan/jobs/{run_id}/resend", follow_redirects=False)
        assert again.status_code == 303
    done = await wait_done(owner, run_id)
    await asyncio.sleep(0.3)
    assert done["status"] == "done" and done["done"] == len(tenant_tables())
    assert await owner.fetchval("SELECT count(*) FROM tenant_snapshot WHERE run_id = $1", run_id) == 1
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'job.resent' AND object_id = $1", str(run_id)
        )
        >= 1
    )


async def test_a_run_claimed_for_a_resend_still_shows_that_it_waits(
    admin_fs, owner: asyncpg.Connection, tenants: dict, unsent_run
) -> None:
    """A pass claims a refused run and has not heard from the broker yet (here: stopped right after the
    claim): the run keeps its last refusal, so the jobs page goes on listing it as waiting, and a second
    pass within SEND_GRACE leaves it to the first claim."""
    import threading

    run_id = await unsent_run("foshan")
    await owner.execute(
        "UPDATE job_run SET send_due = send_due - interval '1 minute', send_error = 'Redis at 127.0.0.1:1 refused'"
        " WHERE id = $1",
        run_id,
    )
    stopped = threading.Event()
    stopped.set()  # claims, then stops before sending
    assert await services._resend(tenants["foshan"], [run_id], stopped) == (0, True)
    claimed = await owner.fetchrow("SELECT send_due, send_error FROM job_run WHERE id = $1", run_id)
    assert claimed["send_error"] == "Redis at 127.0.0.1:1 refused"
    listing = await admin_fs.get("/z/foshan/jobs/")
    assert f'id="waiting-{run_id}"' in listing.text
    assert await services._resend(tenants["foshan"], [run_id], stopped) == (0, True)
    assert await owner.fetchval("SELECT send_due FROM job_run WHERE id = $1", run_id) == claimed["send_due"]
    await owner.execute("UPDATE job_run SET status = 'failed', send_due = NULL WHERE id = $1", run_id)

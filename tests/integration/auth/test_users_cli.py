"""`pilotzone users invite`: the first administrators of a deployment, without an identity provider.
(The whole production start, with this command, is tests/integration/test_production.py.)"""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from tests.support import csrf_of


async def _invite(*args: str):  # type: ignore[no-untyped-def]
    from pilotzone.cli import main

    return await asyncio.to_thread(CliRunner().invoke, main, ["users", "invite", *args])


async def test_invite_a_bureau_admin_of_a_tenant(app, owner, tenants) -> None:  # type: ignore[no-untyped-def]
    result = await _invite(
        "--email", "New.Admin@GZ.example.cn", "--role", "bureau_admin", "--tenant", "guangzhou"
    )
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("/z/guangzhou/invite/")
    row = await owner.fetchrow(
        "SELECT * FROM one_time_token WHERE kind = 'invite' AND email = 'new.admin@gz.example.cn'"
    )
    assert row["tenant"] == tenants["guangzhou"] and '"bureau_admin"' in row["grant"]
    audit = await owner.fetchrow(
        "SELECT * FROM audit_log WHERE action = 'invitation.issued' AND object_id = $1", str(row["id"])
    )
    assert (
        audit["tenant_id"] == tenants["guangzhou"]
        and audit["actor"] == "command line: pilotzone users invite"
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as invitee:
        form = await invitee.get(link)
        assert form.status_code == 200
        done = await invitee.post(
            link,
            data={"csrf_token": await csrf_of(invitee), "password": "a long password for gz 2026"},
            follow_redirects=False,
        )
        assert done.status_code == 303
    role = await owner.fetchval(
        'SELECT m.role FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        "new.admin@gz.example.cn",
    )
    assert role == "bureau_admin"


async def test_invite_refuses_what_it_cannot_grant(owner) -> None:  # type: ignore[no-untyped-def]
    before = await owner.fetchval("SELECT count(*) FROM one_time_token")
    for args, hint in (
        (["--role", "province_admin", "--tenant", "guangzhou"], "--tenant"),
        (["--role", "bureau_admin"], "--tenant"),
        (["--role", "bureau_admin", "--tenant", "atlantis"], "--tenant"),
        (["--role", "enterprise_user", "--tenant", "guangzhou"], "--role"),
    ):
        result = await _invite("--email", "someone@example.cn", *args)
        assert result.exit_code == 2 and hint in result.output and "Traceback" not in result.output, (
            result.output
        )
    bad_email = await _invite("--email", "not-an-address", "--role", "province_viewer")
    assert bad_email.exit_code == 2 and "--email" in bad_email.output
    assert await owner.fetchval("SELECT count(*) FROM one_time_token") == before

"""The daily sweep tells a certificate's holder once 30 days before its end and once 7 days before
(a rerun sends nothing again); a revocation is told at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests import factories
from tests.support import demo

from pilotzone.certification.certificates import revoke
from pilotzone.certification.expiry import _tell_expiring


async def test_expiring_in_30_and_7_days_once_each(owner, tenants, demo_in_chinese) -> None:
    started = await owner.fetchval("SELECT now()")
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        demo("enterprise", "guangzhou"),
    )
    scheme = await factories.scheme("guangzhou", "overseas-warehouse")
    now = datetime.now(UTC)
    made = []
    for days in (20, 5, 60):
        app = await factories.application(
            "guangzhou", scheme, "overseas_warehouse", 0, status="certified", applicant_enterprise=enterprise
        )
        cert = await factories.certificate(
            "guangzhou",
            app.id,
            "overseas-warehouse",
            valid_until=now + timedelta(days=days),
            number=f"NT-{app.id}",
        )
        made.append((app.id, cert))
    try:
        for _ in range(2):  # a rerun of the sweep: nothing new
            async with factories.acting_in("guangzhou"):
                await _tell_expiring(now)
        rows = await owner.fetch(
            "SELECT m.key, m.subject FROM notify_message m JOIN pz_user u ON u.id = m.recipient"
            " WHERE u.email = $1 AND m.event = 'certificate_expiring' AND m.created_at >= $2 ORDER BY m.key",
            demo("enterprise", "guangzhou"),
            started,
        )
        (_, in20), (_, in5), _ = made
        assert [(r["key"], r["subject"]) for r in rows] == sorted(
            [
                (f"certificate_expiring:{in20.id}:30", f"证书 NT-{in20.application} 将于 30 天后到期"),
                (f"certificate_expiring:{in5.id}:7", f"证书 NT-{in5.application} 将于 7 天后到期"),
            ]
        )
        async with factories.acting_in("guangzhou"):
            await revoke(in5.id, "企业主动注销")
        body = await owner.fetchval(
            "SELECT body FROM notify_message WHERE key = $1", f"certificate_revoked:{in5.id}"
        )
        assert "企业主动注销" in body and f"NT-{in5.application}" in body
    finally:
        await owner.execute("DELETE FROM notify_message WHERE created_at >= $1", started)
        for app_id, cert in made:
            await owner.execute("DELETE FROM certificate WHERE id = $1", cert.id)
            await owner.execute("DELETE FROM submission WHERE id = $1", app_id)

"""The scripted history the overview tests count: in guangzhou and foshan, enterprises registered,
warehouses added and certified, applications created, submitted, approved, rejected, certificates
issued and revoked, talent recognitions, and a calculated funding round with awards and payments.
Every row carries a marker (or belongs to a row that does) so :func:`unscript` removes it again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
from tests import factories

TOWNS = (("guangzhou", 7), ("foshan", 4))


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def _funding(owner: asyncpg.Connection, slug: str, enterprises: list[int], marker: str) -> list[int]:
    """Funding applications submitted, calculated (one excluded for the negative list, one for
    another rule), awards in the ledger and payments against them."""
    rnd = await factories.synced_round(slug)
    version = 90 + await owner.fetchval("SELECT count(*) FROM calculation WHERE round = $1", rnd["id"])
    calc = (await factories.calculation(slug, rnd["id"], version, started_by_email=marker)).id
    ids = []
    for i, ent in enumerate(enterprises):
        submitted = at(2026, 3 + i % 3, 10)
        app_id = (
            await factories.funding_application(
                slug,
                rnd["program"],
                rnd["current_version"],
                rnd["id"],
                ent,
                subject_label=f"{marker}-f-{i}",
                status="verified",
                submitted_at=submitted,
            )
        ).id
        ids.append(app_id)
        rule = "not_on_negative_list" if i % 3 == 1 else "input"
        eligible = i % 3 == 0
        reasons = (
            [{"rule": "not_on_negative_list", "ok": True}] if eligible else [{"rule": rule, "ok": False}]
        )
        if not eligible and rule == "input":
            reasons.append({"rule": "not_on_negative_list", "ok": True})  # passed: not a credit refusal
        await factories.calculation_result(
            slug,
            calc,
            app_id,
            eligible=eligible,
            claim=Decimal("1000.50") if eligible else Decimal(0),
            award=Decimal("800.25") if eligible else None,
            reasons=reasons,
        )
        if eligible:
            entry = (
                await factories.ledger_entry(
                    slug,
                    rnd["program"],
                    rnd["id"],
                    calc,
                    app_id,
                    subject_label=f"{marker}-award-{i}",
                    awarded=Decimal("800.25"),
                    paid=Decimal("500.10"),
                    created_at=submitted + timedelta(days=30),
                )
            ).id
            for k, amount in enumerate((Decimal("300.05"), Decimal("200.05"))):
                await factories.payment(
                    slug,
                    entry,
                    amount,
                    (submitted + timedelta(days=40 + 30 * k)).date(),
                    voucher=f"{marker}-v-{app_id}-{k}",
                )
    return ids


async def script(owner: asyncpg.Connection) -> dict:
    """Write the history; returns the marker and the ids made (for :func:`unscript`)."""
    marker = f"ov-{uuid.uuid4().hex[:6]}"
    made: dict[str, list[int]] = {"enterprise": [], "warehouse": [], "talent": [], "funding": []}
    for slug, n in TOWNS:
        park = await owner.fetchrow(
            "SELECT id, name_zh FROM park WHERE tenant_id = (SELECT id FROM tenant WHERE slug = $1) "
            "ORDER BY id LIMIT 1",
            slug,
        )
        wh_scheme = await factories.scheme(slug, subject="overseas_warehouse")
        park_scheme = await factories.scheme(slug, subject="park")
        talent_scheme = await factories.scheme(slug, subject="talent")
        for i in range(n):
            created = at(2026, 1 + i % 9, 3 + i)
            ent = (
                await factories.enterprise(
                    slug,
                    name=f"{marker}-{slug}-{i}",
                    status="pending" if i == 3 else "active",
                    created_at=created,
                )
            ).id
            made["enterprise"].append(ent)
            wh = (
                await factories.warehouse(
                    slug,
                    ent,
                    country=("DE", "US", "DE", "MY")[i % 4],
                    city="City",
                    address="Street 1",
                    floor_area=Decimal("1000"),
                    services=[],
                    created_at=created,
                )
            ).id
            made["warehouse"].append(wh)
            submitted = created + timedelta(days=5)
            # create → submit → in review → approved (notice) or rejected, decided i + 2 days later
            final = (
                "certified",
                "rejected",
                "in_review",
                "certified",
                "info_requested",
                "withdrawn",
                "certified",
            )[i]
            decided = submitted + timedelta(days=i + 2, hours=i)
            changes = [(submitted, "draft", "submitted"), (submitted, "submitted", "in_review")]
            if final in ("certified", "rejected"):
                changes.append((decided, "in_review", "notice" if final == "certified" else "rejected"))
                if final == "certified":
                    changes.append((decided + timedelta(days=7), "notice", "certified"))
            app = await factories.application(
                slug,
                wh_scheme,
                "overseas_warehouse",
                wh,
                status=final,
                changes=changes,
                subject_label=f"{marker}-wh-{i}",
                submitted_at=submitted,
            )
            if final == "certified":
                await factories.certificate(
                    slug,
                    app.id,
                    wh_scheme.key,
                    issued=decided + timedelta(days=7),
                    number=f"ov-{uuid.uuid4().hex[:10]}",
                    status="revoked" if i == 6 else "valid",
                )
            # a draft never submitted: counted nowhere
            await factories.application(
                slug, wh_scheme, "overseas_warehouse", wh, subject_label=f"{marker}-draft-{i}"
            )
            if i % 2 == 0:
                talent = (
                    await factories.talent(slug, ent, name=f"{marker}-talent-{i}", category="high_skill")
                ).id
                made["talent"].append(talent)
                t_app = await factories.application(
                    slug,
                    talent_scheme,
                    "talent",
                    talent,
                    status="certified",
                    changes=[(submitted, "draft", "submitted"), (decided, "in_review", "notice")],
                    subject_label=f"{marker}-t-{i}",
                    submitted_at=submitted,
                )
                await factories.certificate(
                    slug,
                    t_app.id,
                    talent_scheme.key,
                    issued=decided + timedelta(days=8),
                    number=f"ov-{uuid.uuid4().hex[:10]}",
                )
        p_app = await factories.application(
            slug,
            park_scheme,
            "park",
            park["id"],
            status="certified",
            changes=[(at(2026, 2, 1), "draft", "submitted"), (at(2026, 2, 20), "in_review", "notice")],
            subject_label=park["name_zh"],
            submitted_at=at(2026, 2, 1),
        )
        await factories.certificate(
            slug, p_app.id, park_scheme.key, issued=at(2026, 3, 1), number=f"ov-{uuid.uuid4().hex[:10]}"
        )
        made["funding"] += await _funding(owner, slug, made["enterprise"][-n:], marker)
    return {"marker": marker, **made}


async def unscript(owner: asyncpg.Connection, made: dict) -> None:
    """Remove every row :func:`script` wrote (and what the tests changed on them)."""
    marker = made["marker"]
    await owner.execute("DELETE FROM payment WHERE voucher LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM ledger_entry WHERE subject_label LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM calculation_result WHERE application = ANY($1::int[])", made["funding"])
    await owner.execute("DELETE FROM calculation WHERE started_by_email = $1", marker)
    # a submission takes its kind's part (funding_application, application) with it
    await owner.execute("DELETE FROM submission WHERE id = ANY($1::int[])", made["funding"])
    certifications = (
        "SELECT id FROM submission WHERE kind = 'certification' "
        "AND (subject_label LIKE $1 OR (subject_kind = 'park' AND submitted_at = $2))"
    )
    for table, column in (("certificate", "application"), ("submission", "id")):
        await owner.execute(
            f"DELETE FROM {table} WHERE {column} IN ({certifications})",  # noqa: S608 - fixed SQL text
            f"{marker}%",
            at(2026, 2, 1),
        )
    await owner.execute("DELETE FROM talent WHERE id = ANY($1::int[])", made["talent"])
    await owner.execute("DELETE FROM overseas_warehouse WHERE id = ANY($1::int[])", made["warehouse"])
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", made["enterprise"])

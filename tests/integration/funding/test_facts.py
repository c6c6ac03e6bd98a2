"""Subject facts for eligibility, as the app role under RLS: each subject kind's own certificates, the
negative list of the enterprise behind it, registration status, validity windows, other tenants."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
from tests import factories

from pilotzone.funding.facts import facts_of, subject_facts
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.web.deadlines import tenant_today


async def _certify(marker: str, scheme_key: str, kind: str, subject: int, **cert: object) -> None:
    """A certified application of guangzhou's ``scheme_key`` about one subject, and its certificate
    (valid from 30 days ago for 300 more unless ``cert`` says otherwise)."""
    scheme = await factories.scheme("guangzhou", scheme_key)
    application = await factories.application("guangzhou", scheme, kind, subject, status="certified", subject_label=marker)
    now = datetime.now(UTC)
    await factories.certificate(
        "guangzhou",
        application.id,
        scheme_key,
        number=f"FACTS-{uuid.uuid4().hex[:10]}",
        subject_label="facts test",
        valid_from=cert.get("valid_from", now - timedelta(days=30)),
        valid_until=cert.get("valid_until", now + timedelta(days=300)),
        status=cert.get("status", "valid"),
    )


async def _clean(owner: asyncpg.Connection, marker: str) -> None:
    """Other tests use the same demo enterprises: nothing of this test may stay behind."""
    await owner.execute("DELETE FROM negative_list_entry WHERE reason = $1", f"{marker}-reason")
    await owner.execute(
        "DELETE FROM certificate WHERE application IN (SELECT id FROM submission WHERE subject_label = $1)", marker
    )
    await owner.execute("DELETE FROM submission WHERE subject_label = $1", marker)
    await owner.execute("DELETE FROM talent WHERE name = $1", f"{marker}-talent")
    await owner.execute("DELETE FROM overseas_warehouse WHERE address LIKE $1", f"{marker}-%")


async def test_facts_follow_the_subject_and_the_enterprise_behind_it(owner: asyncpg.Connection, tenants: dict) -> None:
    marker = uuid.uuid4().hex[:8]
    try:
        await _check_facts(owner, tenants, marker)
    finally:
        await _clean(owner, marker)


async def _check_facts(owner: asyncpg.Connection, tenants: dict, marker: str) -> None:
    gz, fs = tenants["guangzhou"], tenants["foshan"]
    schemes = dict(await owner.fetch("SELECT subject, key FROM scheme WHERE tenant_id = $1 AND active", gz))
    enterprise = await owner.fetchval(
        "SELECT id FROM enterprise WHERE tenant_id = $1 AND status = 'active' ORDER BY id LIMIT 1", gz
    )
    listed = await owner.fetchval(
        "SELECT id FROM enterprise WHERE tenant_id = $1 AND status = 'active' AND id <> $2 ORDER BY id LIMIT 1",
        gz, enterprise,
    )
    park = await owner.fetchval("SELECT id FROM park WHERE tenant_id = $1 AND status = 'active' ORDER BY id LIMIT 1", gz)
    warehouse = (await factories.warehouse(
        "guangzhou", enterprise, country="PL", city="Poznań", address=f"{marker}-warehouse",
        floor_area=Decimal(800), services=["storage"], wms_integrated=True,
    )).id
    pending_warehouse = (await factories.warehouse(
        "guangzhou", enterprise, country="PL", city="Łódź", address=f"{marker}-pending",
        floor_area=Decimal(800), services=["storage"], wms_integrated=False, status="pending",
    )).id
    talent = (await factories.talent("guangzhou", listed, name=f"{marker}-talent", category="leading_talent")).id
    await factories.negative_entry(
        "guangzhou", listed, reason=f"{marker}-reason", source="facts test list",
        valid_from=tenant_today() - timedelta(days=1),
    )
    now = datetime.now(UTC)
    await _certify(marker, schemes["park"], "park", park)
    await _certify(marker, schemes["overseas_warehouse"], "overseas_warehouse", warehouse)
    # the talent's certificate has ended; a renewed one (its successor starts later) still counts
    await _certify(marker, schemes["talent"], "talent", talent, valid_until=now - timedelta(days=1))
    await _certify(marker, schemes["enterprise"], "enterprise", enterprise, status="renewed")
    await _certify(marker, schemes["enterprise"], "enterprise", enterprise, valid_from=now + timedelta(days=5))

    async with tenant_transaction(TenantContext(gz, "guangzhou")):
        facts = await subject_facts(
            [("park", park), ("overseas_warehouse", warehouse), ("overseas_warehouse", pending_warehouse),
             ("talent", talent), ("enterprise", enterprise), ("enterprise", listed), ("nonsense", 1)],
            now,
        )
        later = await facts_of("overseas_warehouse", warehouse, now + timedelta(days=400))
    assert schemes["park"] in facts[("park", park)].certifications
    assert facts[("park", park)].negative_entry is None
    # the warehouse holds its own certificate, not the enterprise's (and the enterprise not the warehouse's)
    assert facts[("overseas_warehouse", warehouse)].certifications == frozenset({schemes["overseas_warehouse"]})
    assert facts[("enterprise", enterprise)].certifications == frozenset({schemes["enterprise"]})
    assert facts[("overseas_warehouse", warehouse)].registered is True
    assert facts[("overseas_warehouse", pending_warehouse)].registered is False
    assert facts[("overseas_warehouse", pending_warehouse)].certifications == frozenset()
    talent_facts = facts[("talent", talent)]
    assert talent_facts.certifications == frozenset()  # ended yesterday
    assert talent_facts.negative_entry == f"{marker}-reason"  # the employer is listed
    assert talent_facts.negative_source == "facts test list"
    assert facts[("enterprise", listed)].negative_entry == f"{marker}-reason"
    assert ("nonsense", 1) not in facts
    assert later is not None and later.certifications == frozenset()  # after the certificate's end

    async with tenant_transaction(TenantContext(fs, "foshan")):  # RLS: another city's subjects do not exist
        assert await subject_facts([("park", park), ("overseas_warehouse", warehouse)], now) == {}

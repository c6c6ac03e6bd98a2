"""Subject facts for eligibility, as the app role under RLS: each subject kind's own certificates, the
negative list of the enterprise behind it, registration status, validity windows, other tenants."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from pilotzone.funding.facts import facts_of, subject_facts
from pilotzone.registry.talents import id_check_char
from pilotzone.tenancy.context import TenantContext, tenant_transaction


async def _certify(
    owner: asyncpg.Connection, tenant: int, marker: str, scheme_key: str, kind: str, subject: int, **cert: object
) -> None:
    scheme = await owner.fetchrow(
        "SELECT id, version, spec FROM scheme WHERE tenant_id = $1 AND key = $2", tenant, scheme_key
    )
    application = await owner.fetchval(
        "INSERT INTO application (tenant_id, scheme, scheme_version, spec, subject_kind, subject_id, subject_label, "
        "status, \"values\") VALUES ($1, $2, $3, $4, $5, $6, $7, 'certified', '{}') RETURNING id",
        tenant, scheme["id"], scheme["version"], scheme["spec"], kind, subject, marker,
    )
    now = datetime.now(UTC)
    await owner.execute(
        "INSERT INTO certificate (tenant_id, application, scheme_key, number, subject_label, valid_from, valid_until, "
        "status) VALUES ($1, $2, $3, $4, 'facts test', $5, $6, $7)",
        tenant, application, scheme_key, f"FACTS-{uuid.uuid4().hex[:10]}",
        cert.get("valid_from", now - timedelta(days=30)), cert.get("valid_until", now + timedelta(days=300)),
        cert.get("status", "valid"),
    )


async def _clean(owner: asyncpg.Connection, marker: str) -> None:
    """Other tests use the same demo enterprises: nothing of this test may stay behind."""
    await owner.execute("DELETE FROM negative_list_entry WHERE reason = $1", f"{marker}-reason")
    await owner.execute(
        "DELETE FROM certificate WHERE application IN (SELECT id FROM application WHERE subject_label = $1)", marker
    )
    await owner.execute("DELETE FROM application WHERE subject_label = $1", marker)
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
    warehouse = await owner.fetchval(
        "INSERT INTO overseas_warehouse (tenant_id, enterprise, country, city, address, floor_area, services, "
        "wms_integrated, status) VALUES ($1, $2, 'PL', 'Poznań', $3, 800, $4, true, 'active') RETURNING id",
        gz, enterprise, f"{marker}-warehouse", json.dumps(["storage"]),
    )
    pending_warehouse = await owner.fetchval(
        "INSERT INTO overseas_warehouse (tenant_id, enterprise, country, city, address, floor_area, services, "
        "wms_integrated, status) VALUES ($1, $2, 'PL', 'Łódź', $3, 800, $4, false, 'pending') RETURNING id",
        gz, enterprise, f"{marker}-pending", json.dumps(["storage"]),
    )
    body = f"4401051990{uuid.uuid4().int % 10**7:07d}"
    talent = await owner.fetchval(
        "INSERT INTO talent (tenant_id, name, id_number, employer, category, status) "
        "VALUES ($1, $2, $3, $4, 'leading_talent', 'active') RETURNING id",
        gz, f"{marker}-talent", body + id_check_char(body), listed,
    )
    await owner.execute(
        "INSERT INTO negative_list_entry (tenant_id, enterprise, reason, source, valid_from) "
        "VALUES ($1, $2, $3, 'facts test list', current_date - 1)",
        gz, listed, f"{marker}-reason",
    )
    now = datetime.now(UTC)
    await _certify(owner, gz, marker, schemes["park"], "park", park)
    await _certify(owner, gz, marker, schemes["overseas_warehouse"], "overseas_warehouse", warehouse)
    # the talent's certificate has ended; a renewed one (its successor starts later) still counts
    await _certify(owner, gz, marker, schemes["talent"], "talent", talent, valid_until=now - timedelta(days=1))
    await _certify(owner, gz, marker, schemes["enterprise"], "enterprise", enterprise, status="renewed")
    await _certify(owner, gz, marker, schemes["enterprise"], "enterprise", enterprise, valid_from=now + timedelta(days=5))

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

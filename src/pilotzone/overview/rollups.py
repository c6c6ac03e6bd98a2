"""Per-tenant, per-month rollups of the overview figures, kept by the ``overview_refresh`` job.

Every metric is one *facts* query over the raw tables: one row per counted thing with its id, a label,
its state, the date it is counted on and a ``dim`` (state, country, program family, days). The rollup
is the facts grouped by (month, dim); the drill-down lists are the same facts filtered. The job
recomputes one tenant per run inside its tenant transaction (RLS), upserts every figure and deletes the
figures that no longer exist, so reruns and duplicate messages are harmless.

Metrics are *stock* (counted up to the end of the chosen period: parks, enterprises, certified parks
and warehouses, each in the month it was created or first certified) or *flow* (counted inside the
period: applications by the month of submission, decisions, talent recognitions, money).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pilotzone import db
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.tenancy.context import current_tenant_id

TZ = "Asia/Shanghai"
DECISION_STATES = ("notice", "approved", "rejected")  # the first change into one of these is the decision
CREDIT_RULE = "not_on_negative_list"


@dataclass(frozen=True)
class Metric:
    name: str
    stock: bool
    facts: str  # SELECT tenant_id, id, label, state, at (timestamptz), dim, amount FROM ... (RLS scopes it)
    money: bool = False


_CERTIFIED = """
  SELECT s.tenant_id, s.id, {label} AS label, 'certified' AS state, min(c.issued_at) AS at, {dim} AS dim, 1 AS amount
    FROM certificate c JOIN application a ON a.id = c.application AND a.tenant_id = c.tenant_id
    JOIN {table} s ON s.id = a.subject_id AND s.tenant_id = a.tenant_id {join}
   WHERE a.subject_kind = '{kind}' AND c.status = 'valid'
   GROUP BY s.tenant_id, s.id, {group}"""

METRICS: list[Metric] = [
    Metric(
        "parks",
        True,
        "SELECT tenant_id, id, name_zh AS label, status AS state, created_at AS at, '' AS dim, 1 AS amount "
        "FROM park WHERE status = 'active'",
    ),
    Metric(
        "certified_parks",
        True,
        _CERTIFIED.format(label="s.name_zh", dim="''", table="park", join="", kind="park", group="s.name_zh"),
    ),
    Metric(
        "enterprises",
        True,
        "SELECT tenant_id, id, name AS label, status AS state, created_at AS at, '' AS dim, 1 AS amount "
        "FROM enterprise WHERE status = 'active'",
    ),
    Metric(
        "certified_warehouses",
        True,
        _CERTIFIED.format(
            label="e.name || ' · ' || s.city",
            dim="s.country",
            table="overseas_warehouse",
            join="JOIN enterprise e ON e.id = s.enterprise AND e.tenant_id = s.tenant_id",
            kind="overseas_warehouse",
            group="e.name, s.city, s.country",
        ),
    ),
    Metric(
        "talent_recognitions",
        False,
        "SELECT c.tenant_id, c.id, c.subject_label AS label, c.status AS state, c.issued_at AS at, '' AS dim, 1 AS amount "
        "FROM certificate c JOIN application a ON a.id = c.application AND a.tenant_id = c.tenant_id "
        "WHERE a.subject_kind = 'talent' AND c.status <> 'revoked'",
    ),
    Metric(
        "applications",
        False,
        "SELECT tenant_id, id, subject_label AS label, status AS state, submitted_at AS at, status AS dim, 1 AS amount "
        "FROM application WHERE submitted_at IS NOT NULL",
    ),
    Metric(
        "decision_days",
        False,
        "SELECT a.tenant_id, a.id, a.subject_label AS label, a.status AS state, d.at, "
        "floor(extract(epoch FROM d.at - a.submitted_at) / 86400)::int::text AS dim, 1 AS amount "
        "FROM application a JOIN (SELECT application, min(at) AS at FROM application_change "
        "WHERE field_key = 'status' AND new_value IN ('notice', 'approved', 'rejected') GROUP BY application) d "
        "ON d.application = a.id WHERE a.submitted_at IS NOT NULL",
    ),
    Metric(
        "budget",
        False,
        f"SELECT r.tenant_id, r.id, p.name_zh || ' · ' || r.name_zh AS label, r.status AS state, "  # noqa: S608 - fixed SQL text, values are parameters
        f"(r.opens_at::timestamp AT TIME ZONE '{TZ}') AS at, p.key AS dim, r.budget AS amount "
        "FROM round r JOIN program p ON p.id = r.program AND p.tenant_id = r.tenant_id",
        money=True,
    ),
]

FUNDING_METRICS: list[Metric] = [
    Metric(
        "awarded",
        False,
        # the entry's state by its dates (funding's pz_award_state: an ended notice is awarded); a revoked
        # award counts with what was paid on it, as in the program's balance
        "SELECT l.tenant_id, l.id, l.subject_label AS label, pz_award_state(l.status, l.notice_until, now()) AS state, "
        "l.created_at AS at, p.key AS dim, CASE WHEN l.status = 'revoked' THEN l.paid ELSE l.awarded END AS amount "
        "FROM ledger_entry l JOIN program p ON p.id = l.program AND p.tenant_id = l.tenant_id",
        money=True,
    ),
    Metric(
        "paid",
        False,
        f"SELECT y.tenant_id, y.id, l.subject_label || ' · ' || y.voucher AS label, 'paid' AS state, "  # noqa: S608 - fixed SQL text, values are parameters
        f"(y.paid_on::timestamp AT TIME ZONE '{TZ}') AS at, p.key AS dim, y.amount "
        "FROM payment y JOIN ledger_entry l ON l.id = y.entry AND l.tenant_id = y.tenant_id "
        "JOIN program p ON p.id = l.program AND p.tenant_id = l.tenant_id",
        money=True,
    ),
    Metric(
        "funding_applications",
        False,
        "SELECT tenant_id, id, subject_label AS label, status AS state, submitted_at AS at, '' AS dim, 1 AS amount "
        "FROM funding_application WHERE submitted_at IS NOT NULL",
    ),
    Metric(
        "credit_refusals",
        False,
        "SELECT f.tenant_id, f.id, f.subject_label AS label, f.status AS state, f.submitted_at AS at, '' AS dim, 1 AS amount "  # noqa: S608 - fixed SQL text, values are parameters
        "FROM funding_application f WHERE f.submitted_at IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM calculation_result r JOIN calculation c ON c.id = r.calculation AND c.tenant_id = r.tenant_id "
        "WHERE r.application = f.id AND r.tenant_id = f.tenant_id AND c.status IN ('calculated', 'approved') "
        'AND NOT r.eligible AND r.reasons @> \'[{"rule": "' + CREDIT_RULE + '", "ok": false}]\'::jsonb)',
    ),
]


def metrics() -> list[Metric]:
    return METRICS + FUNDING_METRICS


def metric(name: str) -> Metric | None:
    return next((m for m in metrics() if m.name == name), None)


def month_of(column: str) -> str:
    return f"date_trunc('month', {column} AT TIME ZONE '{TZ}')::date"


def rollup_sql() -> str:
    """Every metric's facts grouped by (month, dim): the rows the job upserts."""
    parts = [
        f"SELECT '{m.name}' AS metric, {month_of('f.at')} AS month, f.dim, sum(f.amount) AS value "  # noqa: S608 - fixed SQL text, values are parameters
        f"FROM ({m.facts}) f WHERE f.at IS NOT NULL GROUP BY 2, 3"
        for m in metrics()
    ]
    return " UNION ALL ".join(parts)


async def refresh_current_tenant(run_id: int | None = None) -> int:
    """Recompute the current tenant's rollups (in its transaction); returns the number of figures."""
    tenant_id = current_tenant_id()
    stamp = datetime.now(UTC)
    rows = await db.fetch(
        "WITH fresh AS (" + rollup_sql() + ") "  # noqa: S608 - fixed SQL text, values are parameters
        "INSERT INTO overview_month (tenant_id, month, metric, dim, value, refreshed_at) "
        "SELECT $1, month, metric, dim, value, $2 FROM fresh "
        "ON CONFLICT (tenant_id, month, metric, dim) DO UPDATE "
        "SET value = EXCLUDED.value, refreshed_at = EXCLUDED.refreshed_at RETURNING 1",
        tenant_id,
        stamp,
    )
    await db.fetch("DELETE FROM overview_month WHERE refreshed_at < $1", stamp)
    await db.fetch(
        "INSERT INTO overview_refresh (tenant_id, run_id, refreshed_at, rows) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (tenant_id) DO UPDATE SET run_id = EXCLUDED.run_id, "
        "refreshed_at = EXCLUDED.refreshed_at, rows = EXCLUDED.rows",
        tenant_id,
        run_id,
        stamp,
        len(rows),
    )
    return len(rows)


@job("overview_refresh")
async def refresh_step(run: JobRun) -> bool:
    run.total = 1
    await refresh_current_tenant(run.id)
    run.done = 1
    return True


async def request_refresh() -> JobRun:
    """Start a refresh of the current tenant unless one is still queued (a running one may have read
    the state before this change); cheap to call after changes."""
    waiting = (
        await JobRun.objects()
        .where((JobRun.kind == "overview_refresh") & (JobRun.status == "queued"))
        .first()
    )
    return waiting or await start_run("overview_refresh", total=1)


async def last_refreshes() -> dict[int, datetime]:
    """When each visible tenant was last refreshed."""
    rows = await db.fetch("SELECT tenant_id, refreshed_at FROM overview_refresh")
    return {r["tenant_id"]: r["refreshed_at"] for r in rows}

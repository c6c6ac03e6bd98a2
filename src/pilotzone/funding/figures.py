"""What funding counts for the dashboards (``pilotzone.metrics``): round budgets, awards in the ledger,
payments, funding applications and those refused for credit reasons (``dim`` the program family, the
program key shared across cities), and the families' names."""

from __future__ import annotations

from pilotzone import db
from pilotzone.metrics import TZ, Metric
from pilotzone.web.i18n import pick

CREDIT_RULE = "not_on_negative_list"

METRICS: list[Metric] = [
    Metric(
        "budget",
        False,
        f"SELECT r.tenant_id, r.id, p.name_zh || ' · ' || r.name_zh AS label, r.status AS state, "  # noqa: S608 - fixed SQL text, values are parameters
        f"(r.opens_at::timestamp AT TIME ZONE '{TZ}') AS at, p.key AS dim, r.budget AS amount "
        "FROM round r JOIN program p ON p.id = r.program AND p.tenant_id = r.tenant_id",
        money=True,
    ),
    Metric(
        "awarded",
        False,
        # the entry's state by its dates (pz_award_state: an ended notice is awarded); a revoked award
        # counts with what was paid on it, as in the program's balance
        "SELECT l.tenant_id, l.id, l.subject_label AS label, pz_award_state(l.status, n.notice_until, now()) AS state, "
        "l.created_at AS at, p.key AS dim, CASE WHEN l.status = 'revoked' THEN l.paid ELSE l.awarded END AS amount "
        "FROM ledger_entry l JOIN program p ON p.id = l.program AND p.tenant_id = l.tenant_id "
        "LEFT JOIN notice n ON n.kind = 'award' AND n.submission = l.application AND n.tenant_id = l.tenant_id",
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
        "FROM submission WHERE kind = 'funding' AND submitted_at IS NOT NULL",
    ),
    Metric(
        "credit_refusals",
        False,
        "SELECT f.tenant_id, f.id, f.subject_label AS label, f.status AS state, f.submitted_at AS at, '' AS dim, 1 AS amount "  # noqa: S608 - fixed SQL text, values are parameters
        "FROM submission f WHERE f.kind = 'funding' AND f.submitted_at IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM calculation_result r JOIN calculation c ON c.id = r.calculation AND c.tenant_id = r.tenant_id "
        "WHERE r.application = f.id AND r.tenant_id = f.tenant_id AND c.status IN ('calculated', 'approved') "
        'AND NOT r.eligible AND r.reasons @> \'[{"rule": "' + CREDIT_RULE + '", "ok": false}]\'::jsonb)',
    ),
]


async def program_families() -> dict[str, str]:
    """Program family (the program key shared across cities) → its name in the current language."""
    rows = await db.fetch("SELECT DISTINCT ON (key) key, name_zh, name_en FROM program ORDER BY key, id")
    return {r["key"]: pick(r["name_zh"], r["name_en"]) for r in rows}

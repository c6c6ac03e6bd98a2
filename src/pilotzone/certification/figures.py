"""What certification counts for the dashboards (``pilotzone.metrics``): certified parks and overseas
warehouses (stock, in the month of their first certificate), talent recognitions, applications by the
month of submission (``dim`` their state) and decided applications (``dim`` the days from submission to
the first change into notice, approved or rejected). An application is a ``submission`` of kind
certification (``workflow.tables``); a certificate's ``application`` is the submission's id."""

from __future__ import annotations

from pilotzone.metrics import Metric

DECISION_STATES = ("notice", "approved", "rejected")  # the first change into one of these is the decision

_CERTIFIED = """
  SELECT s.tenant_id, s.id, {label} AS label, 'certified' AS state, min(c.issued_at) AS at, {dim} AS dim, 1 AS amount
    FROM certificate c JOIN submission a ON a.id = c.application AND a.tenant_id = c.tenant_id
    JOIN {table} s ON s.id = a.subject_id AND s.tenant_id = a.tenant_id {join}
   WHERE a.subject_kind = '{kind}' AND c.status = 'valid'
   GROUP BY s.tenant_id, s.id, {group}"""

METRICS: list[Metric] = [
    Metric(
        "certified_parks",
        True,
        _CERTIFIED.format(label="s.name_zh", dim="''", table="park", join="", kind="park", group="s.name_zh"),
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
        "FROM certificate c JOIN submission a ON a.id = c.application AND a.tenant_id = c.tenant_id "
        "WHERE a.subject_kind = 'talent' AND c.status <> 'revoked'",
    ),
    Metric(
        "applications",
        False,
        "SELECT tenant_id, id, subject_label AS label, status AS state, submitted_at AS at, status AS dim, 1 AS amount "
        "FROM submission WHERE kind = 'certification' AND submitted_at IS NOT NULL",
    ),
    Metric(
        "decision_days",
        False,
        "SELECT a.tenant_id, a.id, a.subject_label AS label, a.status AS state, d.at, "  # noqa: S608 - fixed SQL text
        "floor(extract(epoch FROM d.at - a.submitted_at) / 86400)::int::text AS dim, 1 AS amount "
        "FROM submission a JOIN (SELECT tenant_id, submission, min(at) AS at FROM submission_change "
        "WHERE field_key = 'status' AND new_value IN ("
        + ", ".join(f"'{state}'" for state in DECISION_STATES)
        + ") GROUP BY tenant_id, submission) d "
        "ON d.submission = a.id AND d.tenant_id = a.tenant_id "
        "WHERE a.kind = 'certification' AND a.submitted_at IS NOT NULL",
    ),
]

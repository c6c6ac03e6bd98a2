"""What the registry counts for the dashboards (``pilotzone.metrics``): active parks and enterprises,
each in the month it was created (stock)."""

from __future__ import annotations

from pilotzone.metrics import Metric

METRICS: list[Metric] = [
    Metric(
        "parks",
        True,
        "SELECT tenant_id, id, name_zh AS label, status AS state, created_at AS at, '' AS dim, 1 AS amount "
        "FROM park WHERE status = 'active'",
    ),
    Metric(
        "enterprises",
        True,
        "SELECT tenant_id, id, name AS label, status AS state, created_at AS at, '' AS dim, 1 AS amount "
        "FROM enterprise WHERE status = 'active'",
    ),
]

"""Times in markup. ``<time datetime=…>`` takes a valid global date and time string: at most three
digits of fractions of a second (``isoformat()`` writes six, which the HTML checker rejects)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def datetime_attr(value: datetime | date | None) -> str:
    """The machine-readable value of a ``datetime`` attribute: UTC to the second (``…T…Z``) or a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored times are UTC (naive only from tests or old rows)
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()

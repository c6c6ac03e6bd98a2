"""Helpers of the monthly-return tests: the form's fields, starting a return through the page, the
months relative to today."""

from __future__ import annotations

from datetime import date
from typing import Any

from pilotzone.trade.return_dates import add_months, last_ended, period_text
from pilotzone.web.deadlines import tenant_today

GZ = "/z/guangzhou"


def months_ago(n: int) -> date:
    """The ended month ``n`` months before the last ended one (0: the last ended month)."""
    return add_months(last_ended(tenant_today()), -n)


def form(*lines: tuple[str, str, str, str, str, str], employees: str = "12", **extra: str) -> dict[str, str]:
    """The return's form: header fields and lines (mode, direction, country, value, orders, parcels)."""
    data = {"employees": employees, **extra}
    for i, line in enumerate(lines):
        for col, value in zip(("mode", "direction", "country", "value_cny", "orders", "parcels"), line, strict=True):
            data[f"lines-{i}-{col}"] = value
    return data


US_9610 = ("9610", "export", "US", "12345.67", "30", "31")


async def start(client: Any, period: date) -> int:
    """Start the return of ``period`` on the enterprise's page; its id."""
    answer = await client.post(f"{GZ}/returns/", data={"period": period_text(period)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    return int(answer.headers["location"].rstrip("/").rsplit("/", 1)[1])

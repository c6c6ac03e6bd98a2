"""The trade sections' arithmetic and shapes without a database: 万元 to the fen, year on year, the last
closed month, and the compliance table per city (its links open the list behind each count)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from pilotzone.overview.dashboard import Links
from pilotzone.overview.period import Period
from pilotzone.overview.trade_sections import Sections, TradeData, change, last_closed, wan
from pilotzone.web.i18n import reset_locale, set_locale

TENANTS = [
    {"id": 1, "slug": "guangzhou", "name_zh": "广州", "name_en": "Guangzhou"},
    {"id": 2, "slug": "foshan", "name_zh": "佛山", "name_en": "Foshan"},
]


def test_units_and_year_on_year() -> None:
    assert wan(Decimal("123456.78")) == Decimal("12.35") and wan(Decimal("50")) == Decimal("0.01")
    assert change(Decimal(115), Decimal(100)) == "+15.0%" and change(Decimal(90), Decimal(100)) == "-10.0%"
    assert change(Decimal(5), Decimal(0)) == "–"


def test_the_last_closed_month() -> None:
    whole_year = Period(date(2026, 1, 1), date(2026, 12, 1))
    assert last_closed(whole_year, date(2026, 12, 5)) == date(2026, 11, 1)
    assert last_closed(Period(date(2025, 1, 1), date(2025, 6, 1)), date(2026, 12, 5)) == date(2025, 6, 1)
    assert last_closed(whole_year, date(2027, 1, 3)) == date(2026, 12, 1)


def test_compliance_per_city_links_to_its_enterprises() -> None:
    closed = date(2026, 11, 1)
    data = TradeData(
        value={},
        country={},
        enterprise=[],
        returns={1: {"on_time": 6, "late": 2, "not_filed": 2}, 2: {"not_filed": 4}},
        closed=closed,
    )
    links = Links(list="/province/list", city=lambda slug: f"/z/{slug}/dashboard/")
    token = set_locale("zh_CN")
    try:
        table = Sections(data, Period(date(2026, 1, 1), date(2026, 12, 1)), TENANTS, links, True).compliance()
    finally:
        reset_locale(token)
    assert table.headers[1:4] == ["按时报送", "逾期报送", "未报送"]
    assert [[c.text for c in r] for r in table.rows] == [["广州", "6", "2", "2", "80.0%"], ["佛山", "0", "0", "4", "0.0%"]]
    assert [c.text for c in table.totals or []] == ["合计", "6", "2", "6", "57.1%"]
    late = parse_qs(urlsplit(table.rows[0][2].href or "").query)
    assert late == {"metric": ["trade_returns"], "tenant": ["guangzhou"], "from": ["2026-11"], "to": ["2026-11"], "dim": ["late"]}
    assert "2026-11" in table.caption

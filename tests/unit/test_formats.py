"""How amounts, units, times and declared values read (pilotzone.web.formats): separators, the fen,
units, the tenant's zone; the audit trail's action labels and the receipts' reference numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from pilotzone.web import formats
from pilotzone.web.i18n import reset_locale, set_locale
from pilotzone.web.labels import audit_action


@pytest.fixture
def zh():  # type: ignore[no-untyped-def]
    token = set_locale("zh_CN")
    yield
    reset_locale(token)


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    token = set_locale("en")
    yield
    reset_locale(token)


def test_amounts_have_separators_their_unit_and_are_rounded_half_up_to_the_fen(zh) -> None:  # type: ignore[no-untyped-def]
    assert formats.amount(Decimal("1234567.89")) == "1,234,567.89 元"
    assert formats.amount(Decimal("1234567.885")) == "1,234,567.89 元"  # half up, not half even
    assert formats.amount(Decimal("0.125")) == "0.13 元" and formats.amount(Decimal("-1000")) == "-1,000.00 元"
    assert formats.amount(Decimal("123.45"), "万元") == "123.45 万元"
    assert formats.amount(8000, "万元") == "8,000 万元" and formats.amount("30.0000", "万元") == "30 万元"
    assert formats.amount(None) == "—"
    assert formats.fen("2.675") == Decimal("2.68") and formats.fen(Decimal("1E+3")) == Decimal("1000.00")
    assert formats.grouped(1234567) == "1,234,567"


def test_units_are_stated_on_labels_in_the_pages_language(zh, en) -> None:  # type: ignore[no-untyped-def]
    assert formats.unit_suffix("万元") == " (× 10,000 yuan)" and formats.unit_suffix(None) == ""
    assert formats.amount(Decimal("5"), "万元") == "5 × 10,000 yuan"


def test_unit_suffix_in_chinese(zh) -> None:  # type: ignore[no-untyped-def]
    assert formats.unit_suffix("元") == "（元）" and formats.unit_suffix("万元") == "（万元）"


def test_times_are_shown_in_the_tenants_zone_a_utc_evening_is_the_next_day_in_shanghai(zh) -> None:  # type: ignore[no-untyped-def]
    evening = datetime(2026, 12, 5, 17, 30, tzinfo=UTC)  # 01:30 on the 6th in Beijing
    assert formats.zone_name() == "Asia/Shanghai"  # no tenant: the default
    assert formats.local_date(evening) == "2026-12-06"
    assert formats.local_time(evening) == "2026-12-06 01:30"
    assert formats.local_time(datetime(2026, 12, 5, 17, 30)) == "2026-12-06 01:30"  # naive: stored UTC
    assert formats.local_date(date(2026, 12, 5)) == "2026-12-05"  # a date is already local
    assert formats.local_time(None) == "—"
    assert formats.xlsx_time(evening) == datetime(2026, 12, 6, 1, 30)  # wall time, no zone
    assert formats.zone_label() == "北京时间"
    with formats.in_zone("Europe/Berlin"):  # a tenant in another zone (or a job writing its export)
        assert formats.local_time(evening) == "2026-12-05 18:30" and formats.zone_label() == "Europe/Berlin"
    assert formats.local_time(evening) == "2026-12-06 01:30"
    with formats.in_zone("Not/AZone"):  # a setting the system does not know: the default, no error
        assert formats.local_time(evening) == "2026-12-06 01:30"


def test_datetime_attribute_stays_utc(zh) -> None:  # type: ignore[no-untyped-def]
    with formats.in_zone("Europe/Berlin"):
        assert formats.datetime_attr(datetime(2026, 12, 5, 17, 30, 1, 123456, tzinfo=UTC)) == "2026-12-05T17:30:01Z"


def test_declared_values_read_by_their_field(zh) -> None:  # type: ignore[no-untyped-def]
    mode = SimpleNamespace(
        type="choice", options=["b2c_9610", "own"], option_labels_zh=["零售出口", "自定义"], option_labels_en=[]
    )
    assert formats.field_value(mode, "own") == "自定义"
    assert formats.field_value(SimpleNamespace(type="choice"), "b2b_9710") == "跨境电商B2B直接出口（9710）"
    assert formats.field_value(SimpleNamespace(type="choice"), "other") == "other"
    assert formats.field_value(SimpleNamespace(type="boolean"), "yes") == "是"
    assert formats.field_value(SimpleNamespace(type="amount"), "8000", "万元") == "8,000 万元"
    assert formats.field_value(SimpleNamespace(type="amount"), "1234.5") == "1,234.50 元"
    assert formats.field_value(SimpleNamespace(type="decimal"), "5200.5", "m²") == "5,200.5 m²"
    assert formats.field_value(SimpleNamespace(type="integer"), "12x") == "12x"  # as typed
    assert formats.field_value(SimpleNamespace(type="text"), "") == ""


def test_audit_actions_read_as_labels(zh) -> None:  # type: ignore[no-untyped-def]
    assert audit_action("login") == "登录"
    assert audit_action("application.submitted") == "认定申请 · 已提交"  # object · verb
    assert audit_action("warehouse.accepted") == "海外仓 · 已受理"
    assert audit_action("funding_review.request_info") == "扶持申报审核 · 要求补正材料"
    assert audit_action("no.such_thing") == "no.such_thing"  # unknown: as it is


def test_receipt_reference_is_the_local_date_and_the_number(zh) -> None:  # type: ignore[no-untyped-def]
    from pilotzone.workflow import receipts
    from pilotzone.workflow.states import Kind

    at = datetime(2026, 12, 5, 17, 30, tzinfo=UTC)
    assert receipts.reference(Kind.CERTIFICATION, 42, at) == "RD-20261206-000042"
    assert receipts.reference("objection", 7, at) == "YY-20261206-000007"
    signed = receipts.token("objection", 7)
    assert receipts.number_of("objection", signed) == 7
    assert receipts.number_of("enterprise", signed) is None  # signed for another kind
    assert receipts.number_of("objection", "7-0000") is None and receipts.number_of("objection", "x") is None
    step = receipts.next_step(Kind.CERTIFICATION, "in_review", 1, ["district_reviewer", "bureau_admin"])
    assert step.what == "审核（第 2 阶段，共 2 阶段）" and step.who == "商务局管理员"


def test_quantities_have_separators() -> None:
    assert formats.number("88000.25") == "88,000.25" and formats.number(5200) == "5,200"
    assert formats.number(None) == "—" and formats.number("n/a") == "n/a"


def test_drill_down_states_read_as_labels(zh) -> None:  # type: ignore[no-untyped-def]
    from pilotzone.overview import drill

    assert drill.state_label("applications", "info_requested") == "待补充材料"
    assert drill.state_label("funding_applications", "verified") == "已核实"
    assert drill.state_label("budget", "open") == "申报中" and drill.state_label("awarded", "objected") != "objected"
    assert drill.state_label("parks", "pending") == "待确认" and drill.state_label("paid", "paid") == "已拨付"
    assert drill.dim_label("applications", "in_review") == "审核中" and drill.dim_label("budget", "x-key") == "x-key"
    assert set(drill.STATES) == set(drill.TITLES)  # every figure's states are labelled


@pytest.mark.parametrize(
    ("size", "zh_text", "en_text"),
    [
        (None, "—", "—"),
        (1, "1 字节", "1 byte"),
        (220, "220 字节", "220 bytes"),
        (1023, "1,023 字节", "1,023 bytes"),
        (1536, "1.5 KB", "1.5 KB"),
        (5 * 1024 * 1024 + 104858, "5.1 MB", "5.1 MB"),
        (3 * 1024**3, "3.0 GB", "3.0 GB"),
    ],
)
def test_file_sizes_read_in_the_page_language(size, zh_text, en_text) -> None:  # type: ignore[no-untyped-def]
    for locale, expected in (("zh_CN", zh_text), ("en", en_text)):
        token = set_locale(locale)
        try:
            assert formats.file_size(size) == expected, locale
        finally:
            reset_locale(token)

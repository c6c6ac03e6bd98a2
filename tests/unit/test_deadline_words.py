"""Dates by which something is owed, in words (zh-CN first): before the day, on it, and after it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from pilotzone.web.deadlines import answer_by, file_by
from pilotzone.web.i18n import reset_locale, set_locale

DAY = date(2026, 12, 10)


@pytest.fixture
def zh() -> Iterator[None]:
    token = set_locale("zh_CN")
    yield
    reset_locale(token)


@pytest.mark.parametrize(
    ("owed", "today", "days", "words"),
    [
        (file_by, date(2026, 12, 7), 3, "请于 2026-12-10 前报送，还剩 3 天"),
        (file_by, DAY, 0, "今天（2026-12-10）截止报送"),
        (file_by, date(2026, 12, 12), -2, "已逾期 2 天（应于 2026-12-10 前报送）"),
        (answer_by, date(2026, 12, 9), 1, "2026-12-10"),
        (answer_by, date(2026, 12, 12), -2, "已逾期 2 天（应于 2026-12-10 前补正）"),
    ],
)
def test_owed_by_a_day(zh: None, owed, today: date, days: int, words: str) -> None:  # type: ignore[no-untyped-def]
    deadline = owed(DAY, today=today)
    assert deadline.days == days and deadline.passed == (days < 0)
    assert words in deadline.text, deadline.text

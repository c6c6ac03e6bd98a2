"""workflow.filters.parse: the query string's text becomes a typed filter; each wrong field is a field
error and is left out, the rest applies; the pager's query string carries what applies."""

from __future__ import annotations

from datetime import date

from pilotzone.workflow.filters import Choices, FilterQuery, parse

OFFERED = Choices(
    states=[("draft", "草稿"), ("in_review", "审核中")],
    kinds=[("park", "园区认定")],
    rounds=[("7", "第一轮")],
    districts=[("440103", "荔湾区")],
)


def test_a_valid_query_is_typed() -> None:
    chosen, errors = parse(
        FilterQuery(q=" 贸易 ", state="in_review", round="7", since="2026-03-01", until="2026-03-31", page="3"),
        OFFERED,
    )
    assert errors == {}
    assert chosen.q == "贸易" and chosen.state == "in_review" and chosen.round == 7
    assert chosen.since == date(2026, 3, 1) and chosen.until == date(2026, 3, 31) and chosen.page == 3
    assert chosen.active
    assert chosen.query() == "&q=%E8%B4%B8%E6%98%93&state=in_review&round=7&since=2026-03-01&until=2026-03-31"


def test_each_wrong_field_is_an_error_and_left_out() -> None:
    chosen, errors = parse(
        FilterQuery(
            state="approved",  # not offered
            kind="park",
            round="x",
            district="999999",
            since="2026-02-30",
            decided_since="2026-05-02",
            decided_until="2026-05-01",  # before its start
            page="many",
        ),
        OFFERED,
    )
    assert set(errors) == {"state", "round", "district", "since", "decided_until"}
    assert chosen.kind == "park" and chosen.decided_since == date(2026, 5, 2)
    assert chosen.state == "" and chosen.round is None and chosen.since is None and chosen.decided_until is None
    assert chosen.page == 1


def test_an_empty_query_filters_nothing() -> None:
    chosen, errors = parse(FilterQuery(), Choices())
    assert errors == {} and not chosen.active and chosen.query() == ""
    refused, errors = parse(FilterQuery(state="draft"), Choices())  # a list without states offers none
    assert "state" in errors and refused.state == ""

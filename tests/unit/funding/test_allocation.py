"""Allocation rules: exact worked examples and hypothesis properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilotzone.funding.allocation import Claim, allocate

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def claim(id_: int, amount: str, score: str = "0", minutes: int = 0) -> Claim:
    return Claim(id_, D(amount), D(score), T0 + timedelta(minutes=minutes))


def test_pro_rata_fits_everyone_gets_the_claim() -> None:
    claims = [claim(1, "100.00"), claim(2, "50.50")]
    assert allocate(claims, D("200"), "pro_rata") == {1: D("100.00"), 2: D("50.50")}


def test_pro_rata_leftover_fen_by_largest_dropped_remainder() -> None:
    # 100.00 over three equal claims: 33.333… each, one fen left; all remainders tie → earliest submission.
    claims = [claim(1, "50.00", minutes=2), claim(2, "50.00", minutes=1), claim(3, "50.00", minutes=3)]
    assert allocate(claims, D("100.00"), "pro_rata") == {1: D("33.33"), 2: D("33.34"), 3: D("33.33")}
    # same submission time: smaller id wins the tie
    claims = [claim(7, "50.00"), claim(5, "50.00"), claim(6, "50.00")]
    assert allocate(claims, D("100.00"), "pro_rata") == {5: D("33.34"), 6: D("33.33"), 7: D("33.33")}


def test_pro_rata_worked_example_with_unequal_remainders() -> None:
    # claims 10.00, 20.00, 30.01 (sum 60.01) over a budget of 10.00 (1000 fen):
    #   1000·1000/6001 = 166.638… → 166 (rem .638), 2000·1000/6001 = 333.277… → 333 (rem .277),
    #   3001·1000/6001 = 500.083… → 500 (rem .083); 999 handed out, 1 fen left → the largest remainder (id 1)
    claims = [claim(1, "10.00"), claim(2, "20.00"), claim(3, "30.01")]
    assert allocate(claims, D("10.00"), "pro_rata") == {1: D("1.67"), 2: D("3.33"), 3: D("5.00")}


def test_ranked_partial_and_not() -> None:
    claims = [
        claim(1, "60.00", score="80", minutes=5),
        claim(2, "50.00", score="90", minutes=9),
        claim(3, "30.00", score="80", minutes=1),  # same score as 1, earlier: before 1
        claim(4, "5.00", score="10"),
    ]
    # order: 2 (90), 3 (80, earlier), 1 (80), 4; budget 100: 2 → 50, 3 → 30, 1 does not fit (20 left)
    assert allocate(claims, D("100"), "ranked") == {1: D("0.00"), 2: D("50.00"), 3: D("30.00"), 4: D("0.00")}
    assert allocate(claims, D("100"), "ranked", partial=True) == {
        1: D("20.00"), 2: D("50.00"), 3: D("30.00"), 4: D("0.00")
    }


def test_first_come_by_submission_then_id() -> None:
    claims = [claim(3, "40.00", minutes=0), claim(2, "40.00", minutes=0), claim(1, "40.00", minutes=5)]
    assert allocate(claims, D("100"), "first_come") == {1: D("0.00"), 2: D("40.00"), 3: D("40.00")}
    assert allocate(claims, D("100"), "first_come", partial=True)[1] == D("20.00")


def test_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="fractions of a fen"):
        allocate([claim(1, "1.005")], D(10), "pro_rata")
    with pytest.raises(ValueError, match="negative"):
        allocate([claim(1, "-1")], D(10), "pro_rata")
    with pytest.raises(ValueError, match="unique"):
        allocate([claim(1, "1"), claim(1, "2")], D(10), "pro_rata")
    with pytest.raises(ValueError, match="unknown allocation rule"):
        allocate([], D(10), "lottery")
    assert allocate([], D(10), "pro_rata") == {}


money = st.integers(min_value=0, max_value=10**10).map(lambda f: D(f).scaleb(-2))
claims_strategy = st.lists(
    st.tuples(
        money,
        st.integers(min_value=0, max_value=5).map(D),  # few scores: many ties
        st.integers(min_value=0, max_value=3),  # few times: many ties
    ),
    max_size=40,
).map(
    lambda rows: [
        Claim(i + 1, amount, score, T0 + timedelta(seconds=sec)) for i, (amount, score, sec) in enumerate(rows)
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    claims=claims_strategy,
    budget=money,
    rule=st.sampled_from(["pro_rata", "ranked", "first_come"]),
    partial=st.booleans(),
    seed=st.integers(),
)
def test_allocation_properties(claims, budget, rule, partial, seed) -> None:
    awards = allocate(claims, budget, rule, partial=partial)
    total = sum(awards.values(), D(0))
    assert set(awards) == {c.id for c in claims}
    assert total <= budget
    for c in claims:
        assert D(0) <= awards[c.id] <= c.claim
        assert awards[c.id] == awards[c.id].quantize(D("0.01"))
    claimed = sum((c.claim for c in claims), D(0))
    if rule == "pro_rata":
        assert total == (budget if claimed > budget else claimed)
    if claimed <= budget:
        assert all(awards[c.id] == c.claim for c in claims)
    shuffled = list(claims)
    random.Random(seed).shuffle(shuffled)
    assert allocate(shuffled, budget, rule, partial=partial) == awards

"""The formula language: parsing, errors with positions, evaluation over Decimal, explanations."""

from __future__ import annotations

import ast
import decimal
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilotzone.funding import formula as formula_module
from pilotzone.funding.formula import FormulaError, compile_formula, explanation
from pilotzone.funding.formula_values import EvaluationError


def run(source: str, **env):
    return compile_formula(source, env.keys()).evaluate(env).value


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", D(7)),
        ("(1 + 2) * 3", D(9)),
        ("10 - 4 - 3", D(3)),
        ("2 / 4 * 8", D(4)),
        ("-3 + -(-2)", D(-1)),
        ("1_000_000.50 + 0.5", D("1000001.00")),
        ("1 / 3 * 3", D("0." + "9" * 60)),  # 60 significant digits, no float
        ("0.1 + 0.2 == 0.3", True),
        ("3 >= 3 and 2 < 1", False),
        ("not 1 > 2 or false", True),
        ("1 != 2", True),
        ("true == (not false)", True),
        ("if(2 > 1, 10, 1 / 0)", D(10)),
        ("min(3, 1, 2) + max(3, 1, 2)", D(4)),
        ("round_fen(2.675)", D("2.68")),
        ("round_fen(2.665)", D("2.67")),
        ("round_fen(-2.665)", D("-2.67")),
        ("round_fen(0.004)", D("0.00")),
        ("tier(5, [[1, 10], [5, 20], [9, 30]])", D(20)),
        ("tier(0.99, [[1, 10], [5, 20]])", D(0)),
        ("tier(100, [[-5, 1], [1, 10], [5, 20]])", D(20)),
        ("progressive(150, [[100, 0.1], [200, 0.2]])", D("20.0")),
        ("progressive(500, [[100, 0.1], [200, 0.2]])", D("30.0")),
        ("progressive(500, [[100, 0.1], [inf, 0.2]])", D("90.0")),
        ("progressive(500, [[100, 0.1], [0.3]])", D("130.0")),
        ("progressive(-5, [[100, 0.1]])", D(0)),
    ],
)
def test_values(source: str, expected) -> None:
    value = run(source)
    assert value == expected and type(value) is type(expected)


def test_names_inputs_and_lazy_if() -> None:
    f = compile_formula("if(area > 0, rent / area, 0)", ["area", "rent", "unused"])
    assert f.names == {"area", "rent"}
    assert f.evaluate({"area": D(0), "rent": D(5)}).value == D(0)  # the division never runs
    assert f.evaluate({"area": D(4), "rent": D(10)}).value == D("2.5")


def test_coalesce_takes_the_first_value_that_is_not_zero() -> None:
    f = compile_formula("coalesce(official, declared, 1)", ["official", "declared"])
    first = f.evaluate({"official": D("12.50"), "declared": D(7)})
    assert first.value == D("12.50") and first.steps[-1].args == {"chosen": "1"}
    assert first.steps[-1].note_en == "argument 1 (not 0)"
    second = f.evaluate({"official": D(0), "declared": D(7)})
    assert second.value == D(7) and second.steps[-1].args == {"chosen": "2"}
    last = f.evaluate({"official": D(0), "declared": D(0)})
    assert last.value == D(1) and last.steps[-1].args == {"chosen": "3"}
    assert run("coalesce(0, 0)") == D(0)  # all 0: the last one


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("1 +", 3, "expected a value"),
        ("rent * ", 7, "expected a value"),
        ("(1 + 2", 6, "expected ')'"),
        ("1 + 2)", 5, "unexpected ')'"),
        ("2 $ 3", 2, "unexpected character"),
        ("rent + bogus", 7, "unknown name 'bogus'"),
        ("1 + sqrt(4)", 4, "unknown function 'sqrt'"),
        ("1 + if(true, 1)", 4, "if() takes 3 argument"),
        ("round_fen(1, 2)", 0, "round_fen() takes 1 argument"),
        ("max()", 0, "max() takes at least 1"),
        ("coalesce(rent)", 0, "coalesce() takes at least 2"),
        ("coalesce(rent, true)", 15, "expected a number"),
        ("tier(rent, [[10, 1], [5, 2]])", 22, "must ascend"),
        ("tier(rent, [[10, 1], [10, 2]])", 22, "must ascend"),
        ("tier(rent, [[rent, 1]])", 13, "number literal"),
        ("tier(rent, [[1, 2, 3]])", 12, "[threshold, amount]"),
        ("progressive(rent, [[inf, 0.1], [5, 0.2]])", 20, "only the last"),
        ("progressive(rent, [[0, 0.1]])", 20, "ascend above 0"),
        ("progressive(rent, [[0.2], [5, 0.1]])", 19, "[upto, rate]"),
        ("min([1, 2])", 4, "list is only allowed"),
        ("inf + 1", 0, "'inf' is only allowed"),
        ("1 + true", 4, "expected a number"),
        ("rent and true", 0, "rent"),  # runtime check (name of unknown type): see below
        ("1 < 2 < 3", 6, "do not chain"),
        ("1 == true", 0, "cannot compare"),
        ("if(1, 2, 3)", 3, "expected a boolean"),
        ("if(true, 1, false)", 0, "both branches"),
        ("1__0", 0, "misplaced '_'"),
        ("", 0, "empty formula"),
    ],
)
def test_compile_errors_carry_key_and_position(source: str, position: int, fragment: str) -> None:
    if source == "rent and true":  # compiles: the type of a name is known only at run time
        with pytest.raises(EvaluationError) as caught:
            compile_formula(source, ["rent"], key="k").evaluate({"rent": D(1)})
    else:
        with pytest.raises(FormulaError) as caught:
            compile_formula(source, ["rent"], key="programs.rent_subsidy.formula")
        assert caught.value.key == "programs.rent_subsidy.formula"
        assert not isinstance(caught.value, EvaluationError)
    assert caught.value.position == position, caught.value
    assert fragment in caught.value.message
    assert str(caught.value).endswith(f"at position {position}")


def test_evaluation_errors() -> None:
    f = compile_formula("cost / (area - 10)", ["cost", "area"], key="programs.x.formula")
    with pytest.raises(EvaluationError) as caught:
        f.evaluate({"cost": D(1), "area": D(10)})
    assert caught.value.position == 7 and "division by zero" in caught.value.message
    with pytest.raises(EvaluationError, match="no value for 'area'"):
        f.evaluate({"cost": D(1)})
    with pytest.raises(EvaluationError, match="must be a Decimal"):
        f.evaluate({"cost": 1.5, "area": D(1)})
    with pytest.raises(EvaluationError, match="should be a number"):
        f.evaluate({"cost": True, "area": D(1)})
    assert f.evaluate({"cost": 20, "area": D(12)}).value == D(10)  # ints are exact: accepted


def test_steps_and_explanations() -> None:
    f = compile_formula(
        "round_fen(min(area * rate, cap) + tier(sales, [[100, 5], [200, 9]]))", ["area", "rate", "cap", "sales"]
    )
    result = f.evaluate({"area": D("1234.5"), "rate": D("12.345"), "cap": D(20000), "sales": D(150)})
    assert result.value == D("15244.90")
    assert [s.expr for s in result.steps] == [
        "area",
        "rate",
        "cap",
        "min(area * rate, cap)",
        "sales",
        "tier(sales, [[100, 5], [200, 9]])",
        "round_fen(min(area * rate, cap) + tier(sales, [[100, 5], [200, 9]]))",
    ]
    assert result.steps[3].value == "15239.9025"
    zh, en = explanation(result.steps, "zh-CN"), explanation(result.steps, "en")
    assert zh[5] == "tier(sales, [[100, 5], [200, 9]]) = 5（150 ≥ 门槛 100，对应金额）"
    assert en[6].endswith("= 15244.90 (rounded half-up to the fen)")
    for step in result.steps:  # JSON-ready strings only
        assert all(isinstance(v, str) for v in (step.expr, step.value, step.note_zh, step.note_en))


def test_compiled_once_no_parse_per_evaluation(monkeypatch) -> None:
    f = compile_formula("a * 2", ["a"])
    monkeypatch.setattr(formula_module, "parse", lambda *a, **k: pytest.fail("parsed again"))
    assert [f.evaluate({"a": D(i)}).value for i in range(3)] == [D(0), D(2), D(4)]


def test_no_float_and_no_eval_in_the_source() -> None:
    for module in ("formula", "formula_syntax", "allocation"):
        path = formula_module.__file__.replace("formula.py", f"{module}.py")
        tree = ast.parse(open(path, encoding="utf-8").read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                assert node.id not in ("float", "eval", "exec", "compile"), (module, node.id)
            if isinstance(node, ast.Constant):
                assert not isinstance(node.value, float), (module, node.value)


# -- property tests against a straightforward reference -------------------------------------------

amounts = st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value="0.01", max_value=10**8, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)


def reference_tier(x, tiers):
    best = D(0)
    for threshold, amount in tiers:
        if threshold <= x:
            best = amount
    return best


def reference_progressive(x, brackets, open_rate):
    total, lower = D(0), D(0)
    for upto, rate in brackets:
        if x > lower:
            total += (min(x, upto) - lower) * rate
        lower = upto
    if open_rate is not None and x > lower:
        total += (x - lower) * open_rate
    return total


@settings(max_examples=300, deadline=None)
@given(x=amounts, thresholds=st.lists(amounts, min_size=1, max_size=6, unique=True), data=st.data())
def test_tier_matches_reference(x, thresholds, data) -> None:
    thresholds.sort()
    values = data.draw(st.lists(amounts, min_size=len(thresholds), max_size=len(thresholds)))
    tiers = list(zip(thresholds, values, strict=True))
    source = "tier(x, [" + ", ".join(f"[{t}, {v}]" for t, v in tiers) + "])"
    result = compile_formula(source, ["x"]).evaluate({"x": x})
    assert result.value == reference_tier(x, tiers)
    assert isinstance(result.value, D)


@settings(max_examples=300, deadline=None)
@given(
    x=amounts,
    bounds=st.lists(positive, min_size=1, max_size=5, unique=True),
    data=st.data(),
    ending=st.sampled_from(["closed", "inf", "open"]),
)
def test_progressive_matches_reference(x, bounds, data, ending) -> None:
    bounds.sort()
    bracket_rates = data.draw(st.lists(rates, min_size=len(bounds), max_size=len(bounds)))
    open_rate = None if ending == "closed" else data.draw(rates)
    parts = [f"[{b}, {r}]" for b, r in zip(bounds, bracket_rates, strict=True)]
    if ending == "inf":
        parts.append(f"[inf, {open_rate}]")
    elif ending == "open":
        parts.append(f"[{open_rate}]")
    source = f"progressive(x, [{', '.join(parts)}])"
    result = compile_formula(source, ["x"]).evaluate({"x": x})
    expected = reference_progressive(x, list(zip(bounds, bracket_rates, strict=True)), open_rate)
    assert result.value == expected and isinstance(result.value, D)


@settings(max_examples=200, deadline=None)
@given(a=amounts, b=amounts, c=positive)
def test_arithmetic_is_exact_decimal(a, b, c) -> None:
    with decimal.localcontext(formula_module.CONTEXT):
        expected = (a + b) * c - a / c
    result = compile_formula("(a + b) * c - a / c", ["a", "b", "c"]).evaluate({"a": a, "b": b, "c": c})
    assert result.value == expected and isinstance(result.value, D)
    for step in result.steps:
        D(step.value)  # every value is exact decimal text (no exponent surprises, no float repr)
        assert "e" not in step.value.lower()

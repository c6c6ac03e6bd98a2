"""Formula and allocation throughput: the shipped programs' compiled formulas and 100,000 claims.

    uv run python bench/formulas.py [--n 100000]

Prints evaluations per second for each program of tenants/*/programs.toml (full CompiledProgram.evaluate
with eligibility and explanation steps, no subject facts), the bare formula, and allocate() over n claims
per rule. No database needed.
"""

from __future__ import annotations

import argparse
import random
import time
import tomllib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pilotzone.funding.allocation import Claim, allocate
from pilotzone.funding.programs import CompiledProgram, parse

ROOT = Path(__file__).resolve().parents[1]


def sample_inputs(program: CompiledProgram, rng: random.Random) -> dict:
    raw: dict = {}
    for item in program.spec.inputs:
        low = int(item.min or 0)
        high = int(item.max) if item.max is not None else 100_000_000
        if item.type == "boolean":
            raw[item.key] = rng.random() < 0.5
        elif item.type == "integer":
            raw[item.key] = str(rng.randint(max(low, 12), max(high, 12)) if high > 12 else high)
        elif item.type in ("decimal", "amount"):
            raw[item.key] = f"{rng.randint(low, high)}.{rng.randint(0, 99):02d}"
        elif item.type == "text":
            raw[item.key] = "x"
    return program.parse_inputs(raw)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(7)
    for slug in ("guangzhou", "shantou", "foshan"):
        schemes = tomllib.loads((ROOT / "tenants" / slug / "schemes.toml").read_text(encoding="utf-8"))
        keys = {s["key"] for s in schemes["schemes"]}
        for spec in parse(ROOT / "tenants" / slug / "programs.toml", keys):
            program = CompiledProgram(spec)
            envs = [sample_inputs(program, rng) for _ in range(min(args.n, 20_000))]
            start = time.perf_counter()
            for env in envs:
                program.evaluate(env, None)
            full = len(envs) / (time.perf_counter() - start)
            start = time.perf_counter()
            for env in envs:
                program.formula.evaluate({**env, **spec.constants})
            bare = len(envs) / (time.perf_counter() - start)
            print(f"{slug:10} {spec.key:24} evaluate {full:>9,.0f}/s   formula only {bare:>9,.0f}/s")
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    claims = [
        Claim(i, Decimal(rng.randint(1, 10_000_000)).scaleb(-2), Decimal(rng.randint(0, 100)),
              t0 + timedelta(seconds=rng.randint(0, 86_400)))
        for i in range(args.n)
    ]
    budget = sum((c.claim for c in claims), Decimal(0)) / 3
    budget = budget.quantize(Decimal("0.01"))
    for rule in ("pro_rata", "ranked", "first_come"):
        start = time.perf_counter()
        awards = allocate(claims, budget, rule, partial=True)
        elapsed = time.perf_counter() - start
        total = sum(awards.values(), Decimal(0))
        print(f"allocate {rule:10} {args.n:,} claims in {elapsed * 1000:,.0f} ms (total {total} of budget {budget})")


if __name__ == "__main__":
    main()

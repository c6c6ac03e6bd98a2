"""``pilotzone trade import|summary`` in their own processes against the session's database: JSON on
stdout, ``FILE:ROW:COLUMN: reason`` lines on stderr, exit status 0 / 1 / 2."""

from __future__ import annotations

import json

import asyncpg
from tests.integration.trade.import_support import row, run_cli, write_csv


async def test_import_prints_counts_refuses_with_lines_and_usage_errors_exit_2(
    importing: dict, owner: asyncpg.Connection
) -> None:
    (a, b), folder, marker = (e.uscc for e in importing["enterprises"]), importing["folder"], importing["marker"]
    good = write_csv(folder, f"{marker}-cli.csv", [row(a), row(b, mode="1210", direction="import", value_cny="10")])
    status, out, err = await run_cli("import", "--tenant", "guangzhou", str(good))
    assert status == 0, err
    assert json.loads(out) == {"rows": 2, "inserted": 2, "replaced": 0, "unchanged": 0}
    status, out, _ = await run_cli("import", "--tenant", "guangzhou", str(good))
    assert status == 0 and json.loads(out) == {"rows": 2, "inserted": 0, "replaced": 0, "unchanged": 2}

    bad = write_csv(folder, f"{marker}-cli-bad.csv", [row(a, value_cny="999"), row(b, period="2025-13", mode="9999")])
    status, out, err = await run_cli("import", "--tenant", "guangzhou", str(bad))
    assert status == 1 and out == ""
    lines = err.strip().splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{bad}:3:period", f"{bad}:3:mode"], err
    assert all(line.split(": ", 1)[1] for line in lines)
    values = await owner.fetch(
        "SELECT value_cny FROM trade_figure WHERE enterprise = $1", importing["enterprises"][0].id
    )
    assert [str(v["value_cny"]) for v in values] == ["1000.50"]  # the refused file wrote nothing

    status, _, err = await run_cli("import", "--tenant", "atlantis", str(good))
    assert status == 2 and "atlantis" in err
    status, _, err = await run_cli("import", "--tenant", "guangzhou", str(folder / "missing.csv"))
    assert status == 2 and "missing.csv" in err


async def test_summary_prints_the_months_official_totals(importing: dict) -> None:
    (a, b), folder, marker = (e.uscc for e in importing["enterprises"]), importing["folder"], importing["marker"]
    period = "2019-03"  # a month no other test or demo fills
    rows = [
        row(a, period=period, value_cny="100.10", orders="1", parcels="2"),
        row(b, period=period, value_cny="0.90", orders="3", parcels="4"),
        row(a, period=period, mode="1239", direction="import", country="JP", value_cny="5"),
    ]
    status, _, err = await run_cli("import", "--tenant", "guangzhou", str(write_csv(folder, f"{marker}-s.csv", rows)))
    assert status == 0, err
    status, out, err = await run_cli("summary", "--tenant", "guangzhou", "--period", period)
    assert status == 0, err
    assert json.loads(out) == {
        "period": period,
        "totals": {
            "9610": {"export": {"value_cny": "101.00", "orders": 4, "parcels": 6}},
            "1239": {"import": {"value_cny": "5.00", "orders": 3, "parcels": 4}},
        },
    }
    status, out, _ = await run_cli("summary", "--tenant", "foshan", "--period", period)
    assert status == 0 and json.loads(out) == {"period": period, "totals": {}}  # another city's figures
    status, _, _ = await run_cli("summary", "--tenant", "guangzhou", "--period", "2019-13")
    assert status == 2
    status, _, _ = await run_cli("summary", "--tenant", "atlantis", "--period", period)
    assert status == 2

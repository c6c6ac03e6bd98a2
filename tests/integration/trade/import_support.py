"""Helpers of the official-import tests: files written the way customs exports and Excel write them."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

HEADER = ("uscc", "period", "mode", "direction", "country", "value_cny", "orders", "parcels")
HEADER_ZH = ("统一社会信用代码", "期间", "监管方式", "进出口", "国家地区", "金额", "订单数", "包裹数")
PERIOD = "2025-06"


def row(uscc: str, **over: str) -> tuple[str, ...]:
    """One data row (9610 export to the US in PERIOD, 1,000.50 yuan, 3 orders, 4 parcels)."""
    values = dict(zip(HEADER, (uscc, PERIOD, "9610", "export", "US", "1000.50", "3", "4"), strict=True))
    values.update(over)
    return tuple(values[c] for c in HEADER)


def csv_text(rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> str:
    return "\r\n".join(",".join(cells) for cells in (header, *rows)) + "\r\n"


def write_csv(
    folder: Path, name: str, rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER,
    encoding: str = "utf-8",
) -> Path:
    path = folder / name
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path


def write_xlsx(folder: Path, name: str, rows: list[tuple[object, ...]], header: tuple[str, ...] = HEADER_ZH) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for cells in rows:
        sheet.append(list(cells))
    path = folder / name
    book.save(path)
    return path


async def run_cli(*args: str) -> tuple[int, str, str]:
    """``pilotzone trade …`` in its own process with this session's environment: status, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pilotzone.cli", "trade", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=dict(os.environ),
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()

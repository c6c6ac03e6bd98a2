"""The results of a calculation as CSV and XLSX: amounts as numbers rounded to the fen (XLSX cells
``#,##0.00``), then the values the calculation used, one column per input with its label and unit."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from pilotzone import db
from pilotzone.funding import award_notice
from pilotzone.funding.applications import now, unit_of
from pilotzone.funding.calculation import failed_reasons
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.web.formats import XLSX_MONEY, fen
from pilotzone.web.labels import label

HEADERS = [
    "申请编号",
    "申报主体",
    "是否符合条件",
    "申报测算金额（元）",
    "核定金额（元）",
    "不符合原因",
    "公示与拨付状态",
]
_EXPORT = f"""
SELECT r.application, s.subject_label, r.eligible, r.claim, r.award, r.reasons,
       {award_notice.state_sql("l", "$3")} AS state, s.values || a.verified AS values
  FROM calculation_result r JOIN funding_application a ON a.id = r.application
  JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id
  LEFT JOIN ledger_entry l ON l.calculation = r.calculation AND l.application = r.application
  {award_notice.notice_join("l")}
 WHERE r.calculation = $1 AND r.application > $2 ORDER BY r.application LIMIT 1000
"""  # noqa: S608 - fixed SQL text


def headers(spec: ProgramSpec) -> list[str]:
    """The export's headers: the results (amounts in yuan, as the ledger), then the values the
    calculation used, one column per input, headed with its label and unit (an amount: the program's)."""
    out = list(HEADERS)
    for field in spec.inputs:
        unit = unit_of(spec, field)
        out.append(f"{field.label_zh}（{unit}）" if unit else field.label_zh)
    return out


async def export_rows(calculation_id: int, spec: ProgramSpec | None = None) -> list[list[str | Decimal]]:
    """Every result as cells (amounts as Decimals rounded to the fen, the rest text), read by keyset
    pages; then the values used (verified, else declared) as typed, in the units of :func:`headers`."""
    keys = [f.key for f in (spec.inputs if spec else [])]
    out: list[list[str | Decimal]] = []
    after = 0
    moment = now()  # one moment for the whole file: the state of each award (by its notice's dates)
    while True:
        rows = await db.fetch(_EXPORT, calculation_id, after, moment)
        if not rows:
            return out
        for r in rows:
            reasons = json.loads(r["reasons"]) if isinstance(r["reasons"], str) else r["reasons"]
            values = json.loads(r["values"]) if isinstance(r["values"], str) else dict(r["values"] or {})
            out.append(
                [
                    str(r["application"]),
                    r["subject_label"],
                    "是" if r["eligible"] else "否",
                    fen(r["claim"]),
                    fen(r["award"] or 0),
                    "；".join(failed_reasons(reasons)),
                    label("ledger_status", r["state"]) if r["state"] else "",
                    *(str(values.get(k, "")) for k in keys),
                ]
            )
        after = rows[-1]["application"]


def to_csv(rows: list[list[str | Decimal]], head: list[str] = HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def to_xlsx(rows: list[list[str | Decimal]], title: str, head: list[str] = HEADERS) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "results")
    sheet.append(head)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: Any, value: str | Decimal) -> object:
    """An amount as a number cell shown ``#,##0.00``, text as it is. A spreadsheet number is a double:
    the fen-rounded Decimal's nearest, which reads back as the same two decimals."""
    if not isinstance(value, Decimal):
        return value
    cell = WriteOnlyCell(sheet, value=float(value))
    cell.number_format = XLSX_MONEY
    return cell


"""CSV and XLSX of the dashboard tables: the cells' shown texts, so a file has exactly the page's numbers
(integers and amounts are written as numbers with the same decimals, everything else as text)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from pilotzone.overview.dashboard import Cell, Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(table: Table) -> list[list[Cell]]:
    return table.rows + ([table.totals] if table.totals else [])


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in _rows(table):
        writer.writerow([c.text for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs read it as UTF-8


def xlsx_value(cell: Cell) -> object:
    if isinstance(cell.value, bool) or cell.value is None:
        return cell.text
    if isinstance(cell.value, int):
        return cell.value
    if isinstance(cell.value, Decimal) and cell.text.replace(".", "", 1).lstrip("-").isdigit():
        return Decimal(cell.text)
    return cell.text


def add_sheet(
    book: Workbook, table: Table, title: str | None = None, headings: list[str] | None = None
) -> None:
    sheet = book.create_sheet(title=(title or table.key)[:31])
    if headings:
        for line in headings:
            sheet.append([line])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append([])
    sheet.append(table.headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in _rows(table):
        sheet.append([xlsx_value(c) for c in row])
        for c, source in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(source.value, Decimal) and not isinstance(c.value, str):
                c.number_format = (
                    "0.00" if "." in source.text and len(source.text.split(".")[1]) == 2 else "0.0"
                )
    sheet.column_dimensions["A"].width = 28


def to_xlsx(tables: list[Table]) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    for table in tables:
        add_sheet(book, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""CSV and XLSX of the dashboard tables: the page's numbers (integers and amounts written as numbers, in
XLSX with a thousands-separated format of the same decimals: ``#,##0.00`` for amounts), the rest as the
cells' shown texts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from pilotzone.overview.cells import Cell, Table
from pilotzone.web.formats import XLSX_MONEY

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(table: Table) -> list[list[Cell]]:
    return table.rows + ([table.totals] if table.totals else [])


def csv_value(cell: Cell) -> str:
    """A number as a plain number (no separators: a program reading the file parses it), else the text."""
    if isinstance(cell.value, int | Decimal) and not isinstance(cell.value, bool):
        return str(cell.value)
    return cell.text


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in _rows(table):
        writer.writerow([csv_value(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs read it as UTF-8


def xlsx_value(cell: Cell) -> object:
    """Integers and amounts as numbers (shown with separators by the cell's format), the rest as text."""
    if isinstance(cell.value, bool) or cell.value is None:
        return cell.text
    if isinstance(cell.value, int | Decimal):
        return cell.value
    return cell.text


def number_format(value: Decimal) -> str:
    """``#,##0.00`` for amounts (two decimals), ``#,##0.0`` for a median to a tenth, ``#,##0`` else."""
    exponent = value.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return XLSX_MONEY if places == 2 else ("#,##0." + "0" * places if places else "#,##0")


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
            if isinstance(source.value, Decimal):
                c.number_format = number_format(source.value)
            elif isinstance(source.value, int) and not isinstance(source.value, bool):
                c.number_format = "#,##0"
    sheet.column_dimensions["A"].width = 28


def to_xlsx(tables: list[Table]) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    for table in tables:
        add_sheet(book, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""Reading an official data file (单一窗口 / 海关统计): CSV (UTF-8 with or without BOM, or GB18030) or
XLSX, streamed: the header is mapped to our columns here, the rows go to the staging table as text
(:mod:`pilotzone.trade.import_stage`) and are checked there in SQL.

Row numbers are the file's own: the header is row 1, the first data row row 2 (as Excel shows them).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import msgspec
from openpyxl import load_workbook

from pilotzone.trade.figures import Problem
from pilotzone.web.i18n import gettext
from pilotzone.web.labels import N_

CHUNK = 1 << 20  # bytes read at a time
COLUMNS = ("uscc", "period", "mode", "direction", "country", "value_cny", "orders", "parcels")
HEADERS = {
    "统一社会信用代码": "uscc",
    "期间": "period",
    "监管方式": "mode",
    "进出口": "direction",
    "国家地区": "country",
    "金额": "value_cny",
    "订单数": "orders",
    "包裹数": "parcels",
} | {column: column for column in COLUMNS}
XLSX_MAGIC = b"PK\x03\x04"
BOM = codecs.BOM_UTF8


class FileRefused(Exception):
    """The file cannot be read at all (encoding, header, not a table): nothing further is checked."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.row}:{p.column}: {p.reason}" for p in problems))
        self.problems = problems


class Header(msgspec.Struct, frozen=True):
    """The file's header: our column of each file column (in file order) and the file's text of
    each of ours (errors name the column as the file does)."""

    columns: tuple[str, ...]  # our column of each file column, in file order
    names: dict[str, str]  # our column -> the file's header text


def map_header(cells: list[str]) -> Header:
    """Our columns in the file's order; a missing, unknown or repeated header refuses the file."""
    problems: list[Problem] = []
    columns: list[str] = []
    names: dict[str, str] = {}
    for cell in cells:
        text = cell.strip()
        column = HEADERS.get(text) or HEADERS.get(text.lower())
        if column is None:
            problems.append(Problem(1, text, gettext(N_("unknown column"))))
        elif column in names:
            problems.append(Problem(1, text, gettext(N_("column appears twice"))))
        else:
            names[column] = text
        columns.append(column or "")
    for column in COLUMNS:
        if column not in names:
            problems.append(Problem(1, column, gettext(N_("column missing"))))
    if problems:
        raise FileRefused(problems)
    return Header(tuple(columns), names)


# -- CSV -----------------------------------------------------------------------------------------


class CsvFile(msgspec.Struct, frozen=True):
    """A CSV file's encoding (``utf-8`` or ``gb18030``), where its data starts (after BOM and
    header line) and its header."""

    encoding: str
    data_offset: int
    header: Header


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == XLSX_MAGIC


def _first_failure(path: Path, encoding: str) -> int | None:
    """Byte offset of the first byte ``encoding`` cannot decode (None: the whole file decodes)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    consumed = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return consumed - pending + exc.start
            consumed += len(chunk)
            if not chunk:
                return None


def _where(path: Path, offset: int) -> tuple[int, int]:
    """The (row, 0-based cell) of byte ``offset``: for the wrong-encoding report."""
    with path.open("rb") as fh:
        head = fh.read(offset)
    row = head.count(b"\n") + 1
    line_start = head.rfind(b"\n") + 1
    prefix = head[line_start:].decode("utf-8", "replace")
    cells = next(csv.reader([prefix]), [""])
    return row, max(len(cells) - 1, 0)


def detect_encoding(path: Path) -> str:
    """``utf-8`` when the whole file decodes strictly as UTF-8, else ``gb18030`` when it decodes as
    that; otherwise the file is refused naming the row and cell of the first byte neither reads."""
    utf8 = _first_failure(path, "utf-8")
    if utf8 is None:
        return "utf-8"
    gb = _first_failure(path, "gb18030")
    if gb is None:
        return "gb18030"
    row, cell = _where(path, max(utf8, gb))
    header = _header_cells(path, "gb18030", errors="replace")
    column = header[cell] if 1 < row and cell < len(header) else ""
    raise FileRefused(
        [Problem(row, column.strip(), gettext(N_("wrong encoding: the file is neither UTF-8 nor GB18030")))]
    )


def _header_cells(path: Path, encoding: str, errors: str = "strict") -> list[str]:
    with path.open("rb") as fh:
        line = fh.readline(1 << 16)
    if line.startswith(BOM):
        line = line[len(BOM) :]
    return next(csv.reader([line.decode(encoding, errors).rstrip("\r\n")]), [])


def open_csv(path: Path) -> CsvFile:
    """Encoding and header of a CSV file (two quick passes over its bytes, none kept)."""
    encoding = detect_encoding(path)
    with path.open("rb") as fh:
        line = fh.readline(1 << 16)
    cells = _header_cells(path, encoding)
    if not any(cell.strip() for cell in cells):
        raise FileRefused([Problem(1, "", gettext(N_("the file has no header row")))])
    return CsvFile(encoding, len(line), map_header(cells))


def csv_bytes(path: Path, offset: int) -> Iterator[bytes]:
    """The file's bytes from ``offset`` (after the header line), a chunk at a time."""
    with path.open("rb") as fh:
        fh.seek(offset)
        while chunk := fh.read(CHUNK):
            yield chunk


def csv_records(path: Path, info: CsvFile, problems: list[Problem]) -> Iterator[tuple]:
    """The data rows as ``(row, uscc, period, …)`` texts in our column order, parsed by Python (the
    slow path, when PostgreSQL's COPY refused the bytes: a row with too many or too few cells is
    reported in ``problems`` and left out). Blank rows are skipped."""
    width = len(info.header.columns)
    order = [info.header.columns.index(column) for column in COLUMNS]
    with path.open("rb") as raw:
        raw.seek(info.data_offset)
        text = io.TextIOWrapper(raw, encoding=info.encoding, newline="")
        for index, cells in enumerate(csv.reader(text), start=2):
            if len(cells) != width:
                if not any(cell.strip() for cell in cells):
                    continue
                problems.append(
                    Problem(
                        index,
                        "",
                        gettext(N_("%(found)s cells where the header has %(width)s"), found=len(cells), width=width),
                    )
                )
                continue
            yield (index - 1, *(cells[i] or None for i in order))  # empty as COPY reads it: NULL


# -- XLSX ----------------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):  # a period typed as a date: its month, if it is the 1st
        return f"{value.year:04d}-{value.month:02d}" if value.day == 1 else value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return str(value)
    return str(value)


def xlsx_records(path: Path) -> tuple[Header, Iterator[tuple]]:
    """The header of the first sheet and its data rows, streamed (openpyxl ``read_only``)."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileRefused([Problem(0, "", gettext(N_("not a readable XLSX workbook")))]) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None)
    cells = [(_text(v) or "") for v in (first or ())]
    while cells and not cells[-1].strip():  # Excel's trailing empty cells
        cells.pop()
    if not cells:
        book.close()
        raise FileRefused([Problem(1, "", gettext(N_("the file has no header row")))])
    header = map_header(cells)
    order = [header.columns.index(column) for column in COLUMNS]
    width = len(cells)

    def records() -> Iterator[tuple]:
        try:
            for index, values in enumerate(rows, start=2):
                texts = [_text(v) for v in values[:width]]
                if not any(t and t.strip() for t in texts):
                    continue
                texts += [None] * (width - len(texts))
                yield (index - 1, *(texts[i] for i in order))
        finally:
            book.close()

    return header, records()

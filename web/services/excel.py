"""Excel (.xlsx) export helpers shared by the staff pages and the dashboard."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection), and
    drop control characters the file format cannot hold (one stored row must not break an export)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # openpyxl cannot write aware datetimes
    return value


def unquote_cell(text: str) -> str:
    """Undo :func:`safe_cell`'s guard on text read back from a workbook, as Excel's quote prefix would."""
    if text.startswith("'") and text[1:2] and text[1:].startswith(_FORMULA_PREFIXES):
        return text[1:]
    return text


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """Build an .xlsx file from sheets of plain values (rows streamed: write-only mode keeps a
    large export, such as the audit log, from holding every cell in memory)."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        for i, header in enumerate(sheet.headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, len(str(header)) * 2 + 4)
        header_cells = []
        for h in sheet.headers:
            cell = WriteOnlyCell(ws, value=safe_cell(h))
            cell.font = Font(bold=True)
            header_cells.append(cell)
        ws.append(header_cells)
        for row in sheet.rows:
            ws.append([safe_cell(_plain(v)) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date | datetime | int | float | str) or value is None:
        return value
    return str(value)

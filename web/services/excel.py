"""Excel (.xlsx) export helpers shared by the staff pages and the dashboard."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from web.presentation.times import naive_local

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any, tz: tzinfo | None = None) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection), drop
    control characters the file format cannot hold (one stored row must not break an export),
    and write a timestamp as local wall-clock time in ``tz`` (a cell holds no zone)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, datetime):
        if tz is None:
            raise ValueError("a sheet with timestamps needs the platform's time zone (tz=settings.tz)")
        return naive_local(value, tz)
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


def workbook_bytes(sheets: Sequence[Sheet], *, tz: tzinfo | None = None) -> bytes:
    """Build an .xlsx file in memory from sheets of plain values; timestamps shown in ``tz``.

    Every sheet reads like a report: the header row is bold and frozen, columns are as wide as
    their contents (CJK characters count double), and numbers carry a display format (scores
    to two decimals, money with thousands separators, dates and times in full)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        ws.append([safe_cell(h) for h in sheet.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        widths = [_width(h) for h in sheet.headers]
        for row in sheet.rows:
            values = [_plain(v) for v in row]
            ws.append([safe_cell(_rounded(v), tz) for v in values])
            for cell, value in zip(ws[ws.max_row], values, strict=False):
                cell.number_format = _number_format(value)
                if cell.column <= len(widths):
                    widths[cell.column - 1] = max(widths[cell.column - 1], _width(value))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), MAX_COLUMN_WIDTH)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


MAX_COLUMN_WIDTH = 60
SCORE_PLACES = 4  # a float (a match score) is kept to 4 places and shown to 2


def _rounded(value: Any) -> Any:
    return round(value, SCORE_PLACES) if isinstance(value, float) else value


def _number_format(value: Any) -> str:
    if isinstance(value, datetime):
        return "yyyy-mm-dd hh:mm"
    if isinstance(value, date):
        return "yyyy-mm-dd"
    if isinstance(value, float):
        return "0.00"
    if isinstance(value, Decimal):
        places = -value.as_tuple().exponent if value.as_tuple().exponent < 0 else 0  # type: ignore[operator]
        return "#,##0" + ("." + "0" * places if places else "")
    return "General"


def _width(value: Any) -> int:
    """Display width of a cell: CJK and full-width characters take two columns."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = f"{value:,}" if isinstance(value, Decimal) else str(value)
    longest = max(text.split("\n"), key=len)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in longest)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date | datetime | int | float | str) or value is None:
        return value
    return str(value)

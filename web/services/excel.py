"""Excel (.xlsx) export helpers shared by the staff pages and the dashboard."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

BEIJING = timezone(timedelta(hours=8), "北京时间")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, datetime) and value.tzinfo is not None:
        # openpyxl cannot write aware datetimes; people read them in Beijing time.
        return value.astimezone(BEIJING).replace(tzinfo=None)
    return value


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """Build an .xlsx file in memory from sheets of plain values."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        ws.append([safe_cell(h) for h in sheet.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([safe_cell(_plain(v)) for v in row])
        for i, header in enumerate(sheet.headers, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, len(str(header)) * 2 + 4)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date | datetime | int | float | str) or value is None:
        return value
    return str(value)

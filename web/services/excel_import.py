"""Reading an uploaded .xlsx for an all-or-nothing import: the upload's safety checks, the rows
of its sheet, the header, and the refusal that names every bad row and column."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import load_workbook

from web.security.xlsx import WorkbookRefused, inspect_xlsx
from web.services.errors import ValidationFailed
from web.services.excel import unquote_cell

MAX_IMPORT_ROWS = 2000


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行「{self.column}」：{self.message}"


class ImportRejected(ValidationFailed):
    """The file was not imported; ``cell_errors`` names every bad row and column."""

    def __init__(self, message: str, cell_errors: list[CellError] | None = None) -> None:
        self.cell_errors = cell_errors or []
        errors = {f"第{e.row}行·{e.column}" if e.row else e.column: e.message for e in self.cell_errors}
        super().__init__(message, errors=errors or {"file": message})


def read_rows(data: bytes, *, max_bytes: int, sheet: str, max_columns: int) -> list[tuple]:  # type: ignore[type-arg]
    """The rows of ``sheet`` (else of the first sheet) as values, after the upload passed every
    safety check; columns past ``max_columns`` are never read."""
    try:
        inspect_xlsx(data, max_bytes=max_bytes, max_rows=MAX_IMPORT_ROWS)
    except WorkbookRefused as exc:
        raise ImportRejected(str(exc)) from None
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
            return list(ws.iter_rows(values_only=True, max_row=MAX_IMPORT_ROWS + 1, max_col=max_columns))
        finally:
            wb.close()
    except Exception:  # noqa: BLE001  (openpyxl raises many kinds for a damaged file)
        raise ImportRejected("无法读取该 Excel 文件，文件可能已损坏；请用导入模板重新填写") from None


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without ``.0``, the export's formula guard undone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unquote_cell(str(value).strip())


def header_columns(header: Sequence[object], fields: dict[str, str]) -> dict[str, int]:
    """Where each field's column is (``fields``: header text -> field); a repeated header counts once."""
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        field = fields.get(cell_text(name))
        if field and field not in columns:
            columns[field] = i
    return columns


def reject_missing_columns(missing: list[str]) -> None:
    if missing:
        raise ImportRejected("表头与导入模板不一致，请下载模板后重新填写", [CellError(1, h, "缺少该列") for h in missing])


def reject_bad_rows(errors: list[CellError], *, accepted: int) -> None:
    """Nothing is imported if any row is bad, or if no row holds data."""
    if errors:
        raise ImportRejected(f"文件有 {len(errors)} 处错误，未导入任何数据；请改正后重新上传", errors)
    if not accepted:
        raise ImportRejected("文件中没有可导入的数据行")

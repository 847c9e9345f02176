"""Reading an all-or-nothing .xlsx import: cells as text, the header, the refusals."""

from __future__ import annotations

import pytest

from web.services.excel import Sheet, workbook_bytes
from web.services.excel_import import (
    CellError,
    ImportRejected,
    cell_text,
    header_columns,
    read_rows,
    reject_bad_rows,
    reject_missing_columns,
)


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (2021.0, "2021"), (1.25, "1.25"), ("  来源  ", "来源"), ("'=SUM(A1)", "=SUM(A1)"), ("'引号", "'引号"),
])
def test_a_cell_reads_as_the_text_that_was_written(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_the_header_maps_each_field_to_its_first_column() -> None:
    fields = {"年度": "year", "数值": "value"}
    assert header_columns(["数值", None, " 年度 ", "数值", "别的"], fields) == {"value": 0, "year": 2}


def test_the_named_sheet_is_read_else_the_first() -> None:
    data = workbook_bytes([Sheet("说明", ["说明"], [["x"]]), Sheet("实际值", ["年度"], [[2021]])])
    assert read_rows(data, max_bytes=1 << 20, sheet="实际值", max_columns=1) == [("年度",), (2021,)]
    assert read_rows(data, max_bytes=1 << 20, sheet="别的", max_columns=1) == [("说明",), ("x",)]


def test_a_file_that_is_not_a_workbook_is_refused_in_chinese() -> None:
    with pytest.raises(ImportRejected) as info:
        read_rows(b"not a zip", max_bytes=1 << 20, sheet="实际值", max_columns=5)
    assert info.value.errors == {"file": info.value.message}


def test_refusals_name_every_row_and_column() -> None:
    with pytest.raises(ImportRejected) as missing:
        reject_missing_columns(["年度", "来源"])
    assert missing.value.errors == {"第1行·年度": "缺少该列", "第1行·来源": "缺少该列"}
    reject_missing_columns([])
    errors = [CellError(3, "数值", "数值应为数字")]
    with pytest.raises(ImportRejected, match="文件有 1 处错误") as bad:
        reject_bad_rows(errors, accepted=2)
    assert str(bad.value.cell_errors[0]) == "第3行「数值」：数值应为数字"
    with pytest.raises(ImportRejected, match="文件中没有可导入的数据行"):
        reject_bad_rows([], accepted=0)
    reject_bad_rows([], accepted=1)

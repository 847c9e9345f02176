"""Exports read like reports: formatted numbers, sized columns, a frozen header, local times."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlmodel import Session

from tests.factories import make_proposal
from web.presentation.times import DEFAULT_TIME_ZONE, local_zone
from web.services.excel import Sheet, workbook_bytes
from web.services.matches import exports
from web.services.matches.review import QueueFilters

SHANGHAI = local_zone(DEFAULT_TIME_ZONE)


def test_a_sheet_is_formatted_sized_and_frozen() -> None:
    data = workbook_bytes([Sheet("表", ["编号", "匹配度", "金额（万元）", "需求名称", "推荐时间", "签约日期"], [
        [1, 0.5581666668970138, Decimal("1234567.50"), "工业机器人视觉检测技术攻关与小批量试制",
         datetime(2022, 6, 1, 6, 22, tzinfo=UTC), date(2022, 6, 1)],
    ])], tz=SHANGHAI)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.freeze_panes == "A2"
    row = [c for c in ws[2]]
    assert row[1].value == 0.5582 and row[1].number_format == "0.00"
    assert row[2].number_format == "#,##0.00"
    assert row[4].value == datetime(2022, 6, 1, 14, 22) and row[4].number_format == "yyyy-mm-dd hh:mm"
    assert row[5].number_format == "yyyy-mm-dd"
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["D"] >= 38  # 19 Chinese characters
    assert widths["A"] < widths["D"]


def test_timestamps_need_the_zone() -> None:
    try:
        workbook_bytes([Sheet("表", ["时间"], [[datetime(2022, 6, 1, tzinfo=UTC)]])])
    except ValueError as exc:
        assert "time zone" in str(exc)
    else:
        raise AssertionError("a timestamp was written without a zone")


def test_the_queue_export_uses_the_formats(session: Session) -> None:
    make_proposal(session, score=0.5581666668970138, created_at=datetime(2022, 6, 1, 6, 22, tzinfo=UTC))
    ws = load_workbook(io.BytesIO(exports.queue_xlsx(session, filters=QueueFilters(threshold=0.1), tz=SHANGHAI))).active
    assert ws.freeze_panes == "A2"
    assert ws["B2"].value == 0.5582 and ws["B2"].number_format == "0.00"
    assert ws["K2"].value == datetime(2022, 6, 1, 14, 22)

"""Excel export, template and the all-or-nothing import of indicator figures."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from models import AuditLog, IndicatorActual
from tests.factories import make_actual, make_user
from web.services.excel_import import ImportRejected
from web.services.indicators.plan import ensure_plan_indicators
from web.services.indicators.workbook import (
    ACTUALS_SHEET,
    IMPORT_HEADERS,
    export_dashboard,
    import_actuals,
    import_template,
)

MAX = 5 * 1024 * 1024


@pytest.fixture
def plan(session: Session) -> Session:
    ensure_plan_indicators(session)
    session.commit()
    return session


def _xlsx(rows: list[list[object]], headers: tuple[str, ...] | list[str] = IMPORT_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = ACTUALS_SHEET
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _figures(session: Session) -> list[tuple[int, int, Decimal, str, date | None, str, bool]]:
    rows = session.exec(select(IndicatorActual)).all()
    return sorted((a.indicator_id, a.year, Decimal(a.value).normalize(), a.source, a.source_date, a.note,
                   a.is_sample) for a in rows)


def test_export_lists_targets_figures_and_status(plan: Session) -> None:
    make_actual(plan, number=3, year=2021, value="112", source="示例来源", is_sample=True)
    wb = load_workbook(io.BytesIO(export_dashboard(plan)))
    assert wb.sheetnames == ["指标完成情况", ACTUALS_SHEET, "说明"]
    rows = list(wb["指标完成情况"].iter_rows(values_only=True))
    assert len(rows) == 1 + 7 * 3
    hitech_2021 = next(r for r in rows if r[0] == 3 and r[3] == 2021)
    assert hitech_2021[4] == 115 and hitech_2021[5] == 112 and hitech_2021[9] == "接近"
    assert hitech_2021[8] == pytest.approx(97.3) and hitech_2021[10] == "是"
    assert any("达标" in (r[0] or "") for r in wb["说明"].iter_rows(values_only=True))


def test_round_trip_export_then_import_gives_the_same_figures(plan: Session, engine: Engine) -> None:
    staff = make_user(plan, role="staff")
    make_actual(plan, number=1, year=2020, value="1.15", source="区统计局", source_date=date(2021, 3, 1), note="公报")
    make_actual(plan, number=7, year=2022, value="19.8765", source="市技术市场")
    make_actual(plan, number=3, year=2021, value="112", source="示例来源", is_sample=True)
    make_actual(plan, number=3, year=2021, value="116", source="=认定名单")  # formula-like text survives
    before = _figures(plan)
    data = export_dashboard(plan)
    for a in plan.exec(select(IndicatorActual)).all():
        plan.delete(a)
    plan.commit()
    assert import_actuals(plan, actor_id=staff.id or 0, data=data, filename="导出.xlsx", max_bytes=MAX) == 4
    after = _figures(plan)
    assert [r[:4] + r[5:] for r in after] == [r[:4] + r[5:] for r in before]  # ids, values, sources, notes
    assert [r[4] for r in after] == [r[4] for r in before]  # and dates
    assert plan.exec(select(AuditLog).where(AuditLog.action == "indicator.actual.import")).one().detail["rows"] == 4


def test_a_broken_import_changes_nothing_and_names_every_bad_cell(plan: Session) -> None:
    staff = make_user(plan, role="staff")
    make_actual(plan, number=2, year=2021, value="1060", source="区知识产权局")
    before = _figures(plan)
    data = _xlsx([
        [1, "全社会研发投入强度", 2021, 1.25, "区统计局", "2022-03-01", "", "否"],  # row 2: fine
        [9, "", 2021, 1, "区统计局", None, "", ""],  # row 3: unknown indicator
        [1, "", 2019, 1, "区统计局", None, "", ""],  # row 4: year outside the plan
        [1, "", 2022, "约1.3", "区统计局", None, "", ""],  # row 5: not a number
        [1, "全社会研发投入强度", 2021, 1.3, "区统计局", None, "", ""],  # row 6: duplicate of row 2
        [2, "", 2021, 1060, "区知识产权局", None, "", ""],  # row 7: already in the platform
        [3, "", 2022, 120, "", None, "", ""],  # row 8: missing source
        [4, "", 2022, 61, "区科技局", "2022-13-40", "", "也许"],  # row 9: bad date, bad sample flag
        [None, "不存在的指标", 2022, 1, "区科技局", None, "", ""],  # row 10: unknown indicator by name
    ])
    with pytest.raises(ImportRejected) as err:
        import_actuals(plan, actor_id=staff.id or 0, data=data, filename="figures.xlsx", max_bytes=MAX)
    plan.rollback()
    cells = {(e.row, e.column) for e in err.value.cell_errors}
    assert cells == {(3, "指标编号"), (4, "年度"), (5, "数值"), (6, "来源"), (7, "来源"), (8, "来源"),
                     (9, "来源日期"), (9, "示例数据"), (10, "指标名称")}
    messages = {(e.row, e.column): str(e) for e in err.value.cell_errors}
    assert "未知指标" in messages[(3, "指标编号")]
    assert "2020—2022" in messages[(4, "年度")]
    assert "数字" in messages[(5, "数值")]
    assert "与第2行重复" in messages[(6, "来源")]
    assert "已有" in messages[(7, "来源")]
    assert "未填写数据来源" in messages[(8, "来源")]
    assert messages[(3, "指标编号")].startswith("第3行「指标编号」")
    assert "未导入任何数据" in err.value.message
    assert _figures(plan) == before
    assert plan.exec(select(AuditLog)).all() == []


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "a.xlsx", "空的"),
    (b"id,value\n1,2\n", "a.csv", ".xlsx"),
    (b"PK\x03\x04 not really a zip", "a.xlsx", ".xlsx"),
    (b"x" * (MAX + 1), "a.xlsx", "过大"),
])
def test_bad_files_are_refused_in_chinese(plan: Session, data: bytes, filename: str, message: str) -> None:
    with pytest.raises(ImportRejected, match=message.replace(".", r"\.")):
        import_actuals(plan, actor_id=0, data=data, filename=filename, max_bytes=MAX)


def test_missing_columns_are_named(plan: Session) -> None:
    with pytest.raises(ImportRejected) as err:
        import_actuals(plan, actor_id=0, data=_xlsx([[1, 2021]], headers=["指标编号", "年度"]),
                       filename="a.xlsx", max_bytes=MAX)
    assert {e.column for e in err.value.cell_errors} == {"数值", "来源"}


def test_template_has_the_import_columns_and_imports_cleanly(plan: Session) -> None:
    wb = load_workbook(io.BytesIO(import_template(plan)))
    assert [c.value for c in wb[ACTUALS_SHEET][1]] == list(IMPORT_HEADERS)
    assert [r[0] for r in wb["指标列表"].iter_rows(min_row=2, values_only=True)] == [1, 2, 3, 4, 5, 6, 7]
    ws = wb[ACTUALS_SHEET]
    ws.append([None, "“瞪羚”企业数量", 2022, 3, "区科技局认定名单", date(2022, 11, 30), "", None])
    buf = io.BytesIO()
    wb.save(buf)
    staff = make_user(plan, role="staff")
    assert import_actuals(plan, actor_id=staff.id or 0, data=buf.getvalue(), filename="t.XLSX", max_bytes=MAX) == 1
    actual = plan.exec(select(IndicatorActual)).one()
    assert (actual.year, Decimal(actual.value), actual.source_date, actual.is_sample) == (
        2022, Decimal(3), date(2022, 11, 30), False)


def test_import_checks_each_value_against_its_unit(plan: Session) -> None:
    staff = make_user(plan, role="staff")
    data = _xlsx([
        [1, "", 2021, 500, "区统计局", None, "", ""],  # row 2: 500% R&D intensity
        [3, "", 2021, 12.5, "区科技局", None, "", ""],  # row 3: half an enterprise
        [2, "", 2021, 1060.5, "区知识产权局", None, "", ""],  # row 4: half a patent
        [7, "", 2021, -1, "市技术市场", None, "", ""],  # row 5: negative money
        [1, "", 2022, 20, "区统计局", None, "", ""],  # row 6: the bound itself is fine
    ])
    with pytest.raises(ImportRejected) as err:
        import_actuals(plan, actor_id=staff.id or 0, data=data, filename="figures.xlsx", max_bytes=MAX)
    plan.rollback()
    messages = {(e.row, e.column): e.message for e in err.value.cell_errors}
    assert set(messages) == {(2, "数值"), (3, "数值"), (4, "数值"), (5, "数值")}
    assert "超出合理范围" in messages[(2, "数值")] and "1.25 表示 1.25%" in messages[(2, "数值")]
    assert "应为整数" in messages[(3, "数值")] and "应为整数" in messages[(4, "数值")]
    assert "不能为负数" in messages[(5, "数值")]
    assert _figures(plan) == []
    assert plan.exec(select(AuditLog)).all() == []

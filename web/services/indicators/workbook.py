"""Indicator figures in Excel: export the dashboard, a template, and an all-or-nothing import."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from models import Indicator, IndicatorActual
from models.indicator import NOTE_MAX, SOURCE_MAX
from web.services import audit, excel_import
from web.services.excel import Sheet, workbook_bytes
from web.services.excel_import import CellError, ImportRejected, cell_text
from web.services.indicators.actuals import actual_exists, parse_number, parse_value
from web.services.indicators.counted import PLATFORM_COUNTED
from web.services.indicators.plan import PLAN_YEARS, ensure_plan_indicators
from web.services.indicators.progress import STATUS_RULE, dashboard

ACTUALS_SHEET = "实际值"
IMPORT_HEADERS = ("指标编号", "指标名称", "年度", "数值", "来源", "来源日期", "备注", "示例数据")
MAX_IMPORT_COLUMNS = 50  # the template has 8; columns past these are never read
_FIELDS = {"指标编号": "number", "指标名称": "name", "年度": "year", "数值": "value", "来源": "source",
           "来源日期": "source_date", "备注": "note", "示例数据": "is_sample"}
_YES = {"是", "y", "yes", "true", "1"}
_NO = {"", "否", "n", "no", "false", "0"}


def export_dashboard(session: Session) -> bytes:
    """The dashboard as .xlsx: status per indicator and year, the entered figures, the rule."""
    views = dashboard(session)
    status_rows, actual_rows = [], []
    for v in views:
        for r in v.years:
            o, oa, pa = r.official, r.official_assessment, r.platform_assessment
            status_rows.append([
                v.number, v.name, v.unit, r.year, r.target,
                o.value if o else None, o.source if o else "", o.source_date if o else None,
                oa.percent if oa else None, oa.status if oa else "无数据",
                "是" if o and o.is_sample else "否" if o else "",
                r.platform if v.number in PLATFORM_COUNTED else None,
                pa.percent if pa else None, pa.status if pa else ("" if r.platform is None else "无数据"),
            ])
        for o in sorted(v.all_official, key=lambda f: (f.year, f.id)):
            actual_rows.append([v.number, v.name, o.year, o.value, o.source, o.source_date, o.note,
                                "是" if o.is_sample else "否"])
    notes = [[STATUS_RULE], ["官方统计值由服务专员依据统计公报等来源录入；平台统计值由平台依据入驻企业资质与平台撮合签约的技术合同自动计算，二者分列，互不替代。"],
             ["“示例数据”为演示环境数据，非官方统计。"]]
    notes += [[f"{v.number}. {v.name}：{v.note}"] for v in views if v.note]
    return workbook_bytes([
        Sheet("指标完成情况", ["指标编号", "指标", "单位", "年度", "年度目标", "官方统计值", "来源", "来源日期",
                          "完成率(%)", "状态", "示例数据", "平台统计值", "平台完成率(%)", "平台状态"], status_rows),
        Sheet(ACTUALS_SHEET, IMPORT_HEADERS, actual_rows),
        Sheet("说明", ["说明"], notes),
    ])


def import_template(session: Session) -> bytes:
    """An empty import sheet with its columns, plus the list of indicators to choose from."""
    inds = session.exec(select(Indicator).order_by(Indicator.number)).all()
    return workbook_bytes([
        Sheet(ACTUALS_SHEET, IMPORT_HEADERS, []),
        Sheet("指标列表", ["指标编号", "指标名称", "单位"], [[i.number, i.name, i.unit] for i in inds]),
        Sheet("填写说明", ["说明"], [
            ["在“实际值”工作表中每行填写一个数值；第一行为表头，请勿修改。"],
            ["指标编号：1—7（见“指标列表”）；可只填指标名称。年度：2020、2021 或 2022。"],
            ["数值：按指标单位填写。研发投入强度填百分数（0—20，1.25 表示 1.25%，最多2位小数）；专利件数、企业数填整数；技术合同成交额以亿元为单位（最多4位小数）。"],
            ["来源必填；来源日期格式 YYYY-MM-DD。"],
            ["示例数据：填“否”或留空；“是”表示演示用的示例数据，页面上会标注“示例数据”。"],
            ["同一指标、年度、来源只能有一条；任一行有误时整个文件都不会导入。"],
            ["示例：1 | 全社会研发投入强度 | 2021 | 1.25 | 区统计局《2021年统计公报》 | 2022-03-20 | | 否"],
        ]),
    ])


def _parse_date(raw: object) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = cell_text(raw).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(f"日期“{cell_text(raw)[:20]}”格式不正确，应为 YYYY-MM-DD") from None


def import_actuals(session: Session, *, actor_id: int, data: bytes, filename: str, max_bytes: int) -> int:
    """Import official figures from .xlsx: every row, or none; return how many were added."""
    try:
        return _import_actuals(session, actor_id=actor_id, data=data, filename=filename, max_bytes=max_bytes)
    except ImportRejected:
        session.rollback()  # the plan's indicators may have been added first: nothing stays
        raise


def _import_actuals(session: Session, *, actor_id: int, data: bytes, filename: str, max_bytes: int) -> int:
    ensure_plan_indicators(session)
    rows = iter(excel_import.read_rows(data, max_bytes=max_bytes, sheet=ACTUALS_SHEET,
                                       max_columns=MAX_IMPORT_COLUMNS))
    header = next(rows, None)
    if header is None:
        raise ImportRejected("文件中没有数据：请在“实际值”工作表中按模板填写")
    columns = excel_import.header_columns(header, _FIELDS)
    missing = [h for h, f in _FIELDS.items() if f in {"year", "value", "source"} and f not in columns]
    if "number" not in columns and "name" not in columns:
        missing.insert(0, "指标编号")
    excel_import.reject_missing_columns(missing)
    inds = session.exec(select(Indicator)).all()
    by_number = {i.number: i for i in inds}
    by_name = {i.name: i for i in inds}
    by_name.update({i.name.replace("“", "\"").replace("”", "\""): i for i in inds})

    errors: list[CellError] = []
    pending: list[IndicatorActual] = []
    seen: dict[tuple[int, int, str], int] = {}
    for row_no, row in enumerate(rows, start=2):
        def cell(field: str, row: tuple = row) -> object:  # type: ignore[type-arg]
            i = columns.get(field)
            return row[i] if i is not None and i < len(row) else None

        if all(cell_text(v) == "" for v in row):
            continue  # blank lines between blocks are harmless
        bad = len(errors)
        ind = None
        number, name = cell_text(cell("number")), cell_text(cell("name"))
        if number:
            try:
                ind = by_number.get(int(number))
            except ValueError:
                ind = None
            if ind is None:
                errors.append(CellError(row_no, "指标编号", f"未知指标“{number[:20]}”（应为 1—7）"))
            elif name and by_name.get(name) not in (None, ind):
                errors.append(CellError(row_no, "指标名称", f"“{name[:30]}”与指标编号 {number} 不一致"))
        elif name:
            ind = by_name.get(name)
            if ind is None:
                errors.append(CellError(row_no, "指标名称", f"未知指标“{name[:30]}”"))
        else:
            errors.append(CellError(row_no, "指标编号", "未填写指标"))
        year_raw = cell_text(cell("year"))
        year = None
        try:
            year = int(year_raw)
        except ValueError:
            pass
        if year not in PLAN_YEARS:
            shown = year_raw[:20] or "空"
            errors.append(CellError(row_no, "年度", f"年度“{shown}”不在行动计划年度（2020—2022）内"))
            year = None
        value = None
        try:
            value = parse_value(cell("value"), unit=ind.unit) if ind is not None else parse_number(cell("value"))
        except ValueError as exc:
            errors.append(CellError(row_no, "数值", f"数值{exc}"))
        source = cell_text(cell("source"))
        if not source:
            errors.append(CellError(row_no, "来源", "未填写数据来源"))
        elif len(source) > SOURCE_MAX:
            errors.append(CellError(row_no, "来源", f"数据来源不能超过{SOURCE_MAX}字"))
        source_date = None
        try:
            source_date = _parse_date(cell("source_date"))
        except ValueError as exc:
            errors.append(CellError(row_no, "来源日期", str(exc)))
        note = cell_text(cell("note"))
        if len(note) > NOTE_MAX:
            errors.append(CellError(row_no, "备注", f"备注不能超过{NOTE_MAX}字"))
        sample_text = cell_text(cell("is_sample")).lower()
        if sample_text not in _YES | _NO:
            errors.append(CellError(row_no, "示例数据", "应填写“是”或“否”"))
        if ind is not None and year is not None and source:
            key = (ind.number, year, source)
            if key in seen:
                errors.append(CellError(row_no, "来源", f"与第{seen[key]}行重复（同一指标、年度、来源）"))
            elif actual_exists(session, indicator_id=ind.id or 0, year=year, source=source):
                errors.append(CellError(row_no, "来源", f"平台中已有该指标 {year} 年来源为“{source[:30]}”的数值"))
            seen.setdefault(key, row_no)
        if len(errors) == bad and ind is not None and year is not None and value is not None:
            pending.append(IndicatorActual(
                indicator_id=ind.id or 0, year=year, value=value, source=source, source_date=source_date,
                note=note, is_sample=sample_text in _YES, entered_by=actor_id))
    excel_import.reject_bad_rows(errors, accepted=len(pending))
    session.add_all(pending)
    session.flush()
    audit.record(session, actor_id=actor_id, action="indicator.actual.import", object_type="indicator_actual",
                 detail={"filename": filename[:100], "rows": len(pending),
                         "ids": [a.id for a in pending][:200]})
    session.commit()
    return len(pending)

"""The indicator dashboard and operating figures (officials read; staff enter and import)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from web.deps import (
    CurrentUser,
    SessionDep,
    SettingsDep,
    TodayDep,
    csrf_protect,
    require_roles,
    unread_badge,
)
from web.presentation import charts
from web.presentation.confirm import ConfirmDep, Question, ask
from web.presentation.paths import route_path
from web.presentation.responses import render, xlsx_response
from web.routes.params import Count, RowId, Year
from web.services.cultivation import pipeline
from web.services.errors import NotFound, ValidationFailed
from web.services.excel_import import ImportRejected
from web.services.indicators import actuals, counted, progress, workbook
from web.services.indicators.plan import PLAN_YEARS
from web.services.reports import operations

router = APIRouter(tags=["pages"], dependencies=[Depends(unread_badge)])

READERS = ("official", "staff", "admin")
WRITERS = ("staff", "admin")
Reader = Annotated[CurrentUser, Depends(require_roles(*READERS))]
Writer = Annotated[CurrentUser, Depends(require_roles(*WRITERS))]


def _render(request: Request, name: str, context: dict, status_code: int = 200) -> Response:
    """Render a dashboard page with what every one of them shows (tabs, rule, years)."""
    user = request.state.user
    context = {"can_edit": user.role in WRITERS, "status_rule": progress.STATUS_RULE,
               "years": PLAN_YEARS, **context}
    return render(request, name, context, status_code=status_code)


@router.get("/dashboard", name="dashboard")
def dashboard_page(request: Request, session: SessionDep, today: TodayDep, user: Reader) -> Response:
    """The seven indicators against their targets, with charts and tables."""
    views = progress.dashboard(session)
    return _render(request, "dashboard/index.html", {
        "views": views, "pipeline": pipeline.pipeline(session, year=PLAN_YEARS[-1], as_of=today, views=views),
        "pipeline_year": PLAN_YEARS[-1], "forecast_rule": pipeline.FORECAST_RULE,
        "overview_svg": charts.overview_chart(views),
        "charts": {v.number: charts.indicator_chart(v) for v in views},
    })


@router.get("/dashboard/indicators/{number}", name="dashboard_indicator")
def indicator_page(request: Request, session: SessionDep, user: Reader, number: RowId) -> Response:
    """One indicator: every year, every entered figure and its source."""
    view = progress.indicator_view(session, number=number)
    return _render(request, "dashboard/indicator.html", {
        "view": view, "chart": charts.indicator_chart(view)})


@router.get("/dashboard/indicators/{number}/platform", name="dashboard_platform")
def platform_page(
    request: Request, session: SessionDep, user: Reader, number: RowId,
    year: Year = PLAN_YEARS[-1],
) -> Response:
    """What the platform counted: the enterprises, or the contracts behind indicator 7."""
    detail = counted.platform_detail(session, number=number, year=year, role=user.role)
    view = progress.indicator_view(session, number=number)
    return _render(request, "dashboard/platform.html", {
        "view": view, "year": year, "row": next(r for r in view.years if r.year == year), "detail": detail})


@router.get("/dashboard/pipeline", name="dashboard_pipeline")
def pipeline_page(request: Request, session: SessionDep, today: TodayDep, user: Reader,
                  year: Year = PLAN_YEARS[-1]) -> Response:
    """Indicators 3–6: pooled enterprises meeting every condition, missing one, missing more; forecast."""
    if year not in PLAN_YEARS:
        raise NotFound("年度应为 2020、2021 或 2022")
    return _render(request, "dashboard/pipeline.html", {
        "pipeline": pipeline.pipeline(session, year=year, as_of=today), "pipeline_year": year,
        "forecast_rule": pipeline.FORECAST_RULE})


@router.get("/dashboard/operations", name="dashboard_operations")
def operations_page(request: Request, session: SessionDep, settings: SettingsDep, user: Reader) -> Response:
    """How well the platform serves enterprises: postings, approvals, funnel, contracts."""
    ops = operations.operations(session, tz=settings.tz)
    return _render(request, "dashboard/operations.html", {
        "ops": ops, "monthly_svg": charts.monthly_chart(ops.months),
        "funnel_svg": charts.funnel_chart(ops.funnel), "amount_svg": charts.amount_chart(ops.amounts)})


@router.get("/dashboard/export.xlsx", name="dashboard_export")
def export_xlsx(session: SessionDep, today: TodayDep, user: Reader) -> Response:
    """Download the dashboard (targets, figures, status) as Excel."""
    return xlsx_response(workbook.export_dashboard(session), f"指标完成情况_{today.isoformat()}.xlsx",
                         "zhengqi-indicators.xlsx")


@router.get("/dashboard/import-template.xlsx", name="dashboard_import_template")
def import_template(session: SessionDep, user: Writer) -> Response:
    """Download the empty import template."""
    return xlsx_response(workbook.import_template(session), "指标实际值导入模板.xlsx",
                         "zhengqi-import-template.xlsx")


def _entry_page(request: Request, session: SessionDep, *, form: dict | None = None,
                errors: dict | None = None, import_errors: list | None = None,
                flash: str | None = None, flash_kind: str = "ok", status_code: int = 200) -> Response:
    views = progress.dashboard(session)
    return _render(request, "dashboard/entry.html", {
        "views": views, "form": form or {}, "errors": errors or {}, "import_errors": import_errors or [],
        "flash": flash, "flash_kind": flash_kind}, status_code=status_code)


@router.get("/dashboard/entry", name="dashboard_entry")
def entry_page(request: Request, session: SessionDep, user: Writer,
               done: Annotated[str | None, Query(max_length=20)] = None,
               n: Count = None,
               what: Annotated[str, Query(max_length=120)] = "") -> Response:
    """Staff: enter an official figure, import a file, or remove a wrong entry."""
    flash = {"entered": "已录入该指标数值。", "deleted": f"已删除：{what}。看板已不再显示该数值。" if what else "已删除该记录。",
             "imported": f"已导入 {n or 0} 条指标数值。"}.get(done or "")
    return _entry_page(request, session, flash=flash)


@router.post("/dashboard/actuals", name="dashboard_enter", dependencies=[Depends(csrf_protect)])
def enter_actual(
    request: Request, session: SessionDep, user: Writer,
    number: Annotated[str, Form(max_length=4)] = "", year: Annotated[str, Form(max_length=6)] = "",
    value: Annotated[str, Form(max_length=40)] = "", source: Annotated[str, Form(max_length=200)] = "",
    source_date: Annotated[str, Form(max_length=20)] = "", note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Record one official figure."""
    form = {"number": number, "year": year, "value": value, "source": source,
            "source_date": source_date, "note": note}
    try:
        try:
            when = date.fromisoformat(source_date) if source_date.strip() else None
        except ValueError:
            raise ValidationFailed(errors={"source_date": "日期格式应为 YYYY-MM-DD"}) from None
        actuals.enter_actual(session, actor_id=user.id, number=number, year=year, value=value,
                             source=source, source_date=when, note=note)
    except ValidationFailed as exc:
        return _entry_page(request, session, form=form, errors=exc.errors, flash=exc.message,
                           flash_kind="error", status_code=422)
    return RedirectResponse(request.url_for("dashboard_entry").include_query_params(done="entered"), status_code=303)


@router.post("/dashboard/actuals/{actual_id}/delete", name="dashboard_delete",
             dependencies=[Depends(csrf_protect)])
def delete_actual(request: Request, session: SessionDep, user: Writer, actual_id: RowId,
                  confirm: ConfirmDep) -> Response:
    """Remove a wrongly entered figure (after a confirmation)."""
    figure = actuals.describe_actual(session, actual_id=actual_id)
    if not confirm.confirmed:
        return ask(request, Question(
            title="删除指标数值", confirm_label="确认删除", cancel_url=route_path(request, "dashboard_entry"),
            consequence="删除后看板不再显示该数值（删除记录保留在审计日志中）；此操作不能撤销。",
            details=(("指标", figure.indicator), ("年度", str(figure.year)), ("数值", figure.value),
                     ("来源", figure.source))), confirm)
    actuals.delete_actual(session, actor_id=user.id, actual_id=actual_id)
    return RedirectResponse(request.url_for("dashboard_entry").include_query_params(
        done="deleted", what=f"{figure.indicator} {figure.year}年 {figure.value}（{figure.source}）"[:120]),
        status_code=303)


@router.post("/dashboard/import", name="dashboard_import", dependencies=[Depends(csrf_protect)])
def import_xlsx(
    request: Request, session: SessionDep, settings: SettingsDep, user: Writer,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Import official figures from .xlsx: all rows or none."""
    try:
        if file is None or not file.filename:
            raise ImportRejected("请选择要导入的 .xlsx 文件")
        data = file.file.read(settings.max_upload_bytes + 1)
        count = workbook.import_actuals(session, actor_id=user.id, data=data, filename=file.filename,
                                               max_bytes=settings.max_upload_bytes)
    except ImportRejected as exc:
        return _entry_page(request, session, import_errors=exc.cell_errors, flash=exc.message,
                           flash_kind="error", status_code=422)
    return RedirectResponse(request.url_for("dashboard_entry").include_query_params(done="imported", n=count),
                            status_code=303)

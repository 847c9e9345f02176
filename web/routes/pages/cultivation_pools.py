"""Staff pages: pools (培育库), screening, and each pooled enterprise's gaps (缺什么补什么)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response

from web.deps import (
    FormDep,
    IndexDep,
    SessionDep,
    SettingsDep,
    TodayDep,
    csrf_protect,
    unread_badge,
)
from web.presentation.paths import route_path
from web.presentation.responses import render, xlsx_response
from web.routes.pages.staff_common import StaffDep, redirect_with, to_int
from web.routes.params import Marker, RowId
from web.services.cultivation import gaps, pools, rulesets, workbook
from web.services.cultivation.rules import COUNTING_RULE
from web.services.errors import NotFound, ValidationFailed
from web.services.excel_import import ImportRejected
from web.services.organisations import portraits

router = APIRouter(prefix="/staff/cultivation", tags=["pages"], dependencies=[Depends(unread_badge)])
CSRF = [Depends(csrf_protect)]
_DONE = {"created": "已新建培育库。", "added": "已入库。", "removed": "已出库，入库记录仍保留在历史中。",
         "posted": "已为企业发布需求，并记录企业同意；平台已即时为该需求匹配服务。"}
_IMPORTED = "已从文件导入 {n} 家企业。"


def _pools_page(request: Request, session: SessionDep, **extra: Any) -> Response:
    status = 422 if extra.get("errors") else 200
    return render(request, "cultivation/pools.html", {
        "pools": pools.list_pools(session), "QUALIFICATIONS": rulesets.RULE_QUALIFICATIONS,
        "KIND_LABELS": pools.POOL_KIND_LABELS, "errors": {}, "form": {}, **extra}, status_code=status)


@router.get("", name="cultivation_pools")
def pool_list(request: Request, session: SessionDep, user: StaffDep) -> Response:
    """The pools with their member counts."""
    return _pools_page(request, session)


@router.post("/pools", name="cultivation_pool_create", dependencies=CSRF)
def create_pool(request: Request, session: SessionDep, user: StaffDep, form: FormDep) -> Response:
    """Define a new pool."""
    try:
        pool = pools.create_pool(session, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _pools_page(request, session, form=form, errors=exc.errors, flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "cultivation_pool", pool_id=pool.id), done="created")


def _pool_page(request: Request, session: SessionDep, pool_id: int, **extra: Any) -> Response:
    pool = pools.get_pool(session, pool_id)
    q = (request.query_params.get("q") or "").strip()[:50]
    found = portraits.search_organisations(session, q=q, kind="enterprise", per_page=20).items if q else []
    inside = {m.org.id for m in pools.members(session, pool_id=pool_id)}
    return render(request, "cultivation/pool.html", {
        "pool": pool, "members": pools.members(session, pool_id=pool_id),
        "history": pools.members(session, pool_id=pool_id, current=False), "q": q,
        "found": [o for o in found if o.id not in inside], "SCREENS": pools.SCREENS,
        "KIND_LABELS": pools.POOL_KIND_LABELS, "errors": {}, **extra},
        status_code=422 if extra.get("errors") else 200)


@router.get("/pools/{pool_id}", name="cultivation_pool")
def pool_detail(request: Request, session: SessionDep, user: StaffDep, pool_id: RowId, done: str = "",
                n: Marker = 0) -> Response:
    """A pool's members, its history, and a search to add enterprises by hand."""
    return _pool_page(request, session, pool_id,
                      flash=_IMPORTED.format(n=n) if done == "imported" else _DONE.get(done))


@router.get("/import-template.xlsx", name="cultivation_pool_template")
def import_template(user: StaffDep) -> Response:
    """The empty import sheet for pool members."""
    return xlsx_response(workbook.import_template(), "培育库入库导入模板.xlsx")


@router.get("/pools/{pool_id}/export.xlsx", name="cultivation_pool_export")
def export_members(session: SessionDep, settings: SettingsDep, today: TodayDep, user: StaffDep,
                   pool_id: RowId) -> Response:
    """The pool's members and history as Excel."""
    name = pools.get_pool(session, pool_id).name
    return xlsx_response(workbook.export_members(session, pool_id=pool_id, tz=settings.tz), f"{name}_{today}.xlsx")


@router.get("/pools/{pool_id}/gaps.xlsx", name="cultivation_gaps_export")
def export_gaps(session: SessionDep, index: IndexDep, today: TodayDep, user: StaffDep, pool_id: RowId) -> Response:
    """Every member's gap list as Excel."""
    name = pools.get_pool(session, pool_id).name
    return xlsx_response(workbook.export_gaps(session, index, pool_id=pool_id, as_of=today),
                         f"{name}_缺口清单_{today}.xlsx")


@router.post("/pools/{pool_id}/import", name="cultivation_pool_import", dependencies=CSRF)
def import_members(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep, pool_id: RowId,
                   file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Import members from .xlsx: all rows or none, every bad cell named."""
    try:
        if file is None or not file.filename:
            raise ImportRejected("请选择要导入的 .xlsx 文件")
        data = file.file.read(settings.max_upload_bytes + 1)
        n = workbook.import_members(session, pool_id=pool_id, actor_id=user.id, data=data, filename=file.filename,
                                    max_bytes=settings.max_upload_bytes)
    except ImportRejected as exc:
        return _pool_page(request, session, pool_id, import_errors=exc.cell_errors, errors={"file": exc.message},
                          flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "cultivation_pool", pool_id=pool_id), done="imported", n=n)


@router.get("/pools/{pool_id}/screen", name="cultivation_pool_screen")
def screen(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, pool_id: RowId,
           misses: str = "one") -> Response:
    """Enterprises outside the pool filtered by how many conditions they miss."""
    misses = misses if misses in pools.SCREENS else "one"
    pool = pools.get_pool(session, pool_id)
    return render(request, "cultivation/screen.html", {
        "pool": pool, "misses": misses, "SCREENS": pools.SCREENS, "counting_rule": COUNTING_RULE,
        "candidates": pools.screen(session, pool_id=pool_id, misses=misses, as_of=today)})


@router.post("/pools/{pool_id}/members", name="cultivation_pool_add", dependencies=CSRF)
async def add_members(request: Request, session: SessionDep, user: StaffDep, pool_id: RowId) -> Response:
    """Put the chosen enterprises into the pool, with the reason."""
    form = await request.form()
    ids = [to_int(str(v), lo=1, hi=2**31 - 1) for v in form.getlist("org_ids")]
    reason = str(form.get("reason") or "")
    try:
        pools.add_members(session, pool_id=pool_id, org_ids=[i for i in ids if i], actor_id=user.id,
                          reason=reason)
    except ValidationFailed as exc:
        return _pool_page(request, session, pool_id, errors=exc.errors, flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "cultivation_pool", pool_id=pool_id), done="added")


@router.post("/pools/{pool_id}/members/{org_id}/remove", name="cultivation_pool_remove", dependencies=CSRF)
def remove_member(request: Request, session: SessionDep, user: StaffDep, pool_id: RowId, org_id: RowId,
                  form: FormDep) -> Response:
    """Take an enterprise out of the pool (its stay is kept)."""
    try:
        pools.remove_member(session, pool_id=pool_id, org_id=org_id, actor_id=user.id,
                            reason=form.get("reason", ""))
    except ValidationFailed as exc:
        return _pool_page(request, session, pool_id, errors=exc.errors, flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "cultivation_pool", pool_id=pool_id), done="removed")


@router.get("/pools/{pool_id}/enterprises/{org_id}", name="cultivation_gaps")
def gap_page(request: Request, session: SessionDep, index: IndexDep, today: TodayDep, user: StaffDep,
             pool_id: RowId, org_id: RowId, done: str = "") -> Response:
    """缺什么补什么: every rule with status and distance, ranked offers beside each gap."""
    page = gaps.gap_page(session, index, pool_id=pool_id, org_id=org_id, as_of=today)
    return render(request, "cultivation/gaps.html", {
        "p": page, "counting_rule": COUNTING_RULE, "no_service": gaps.NO_SERVICE, "flash": _DONE.get(done),
        "memberships": pools.memberships_of(session, org_id=org_id)})


def _need_page(request: Request, session: SessionDep, index: IndexDep, pool_id: int, org_id: int, rule_id: int, *,
               today: date, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               flash: str | None = None) -> Response:
    page = gaps.gap_page(session, index, pool_id=pool_id, org_id=org_id, as_of=today)
    gap = next((g for g in page.gaps if g.result.rule_id == rule_id), None)
    if gap is None:
        raise NotFound("该条件已满足或不存在，无需发布需求")
    values = form if form is not None else {**gaps.need_draft(gap.result),
                                            "consent_on": today.isoformat()}
    return render(request, "cultivation/gap_need.html", {
        "p": page, "gap": gap, "form": values, "errors": errors or {},
        "CHANNELS": gaps.CONSENT_CHANNELS, "flash": flash, "flash_kind": "error"},
        status_code=422 if errors else 200)


@router.get("/pools/{pool_id}/enterprises/{org_id}/gaps/{rule_id}/need", name="cultivation_gap_need")
def gap_need_form(request: Request, session: SessionDep, index: IndexDep, today: TodayDep, user: StaffDep,
                  pool_id: RowId, org_id: RowId, rule_id: RowId) -> Response:
    """The need a gap would become, for staff to agree with the enterprise."""
    return _need_page(request, session, index, pool_id, org_id, rule_id, today=today)


@router.post("/pools/{pool_id}/enterprises/{org_id}/gaps/{rule_id}/need", name="cultivation_gap_post",
             dependencies=CSRF)
def post_gap_need(request: Request, session: SessionDep, index: IndexDep, today: TodayDep, user: StaffDep,
                  pool_id: RowId, org_id: RowId, rule_id: RowId, form: FormDep) -> Response:
    """Post the need for the enterprise, with its consent recorded."""
    try:
        gaps.post_gap_need(session, index, pool_id=pool_id, org_id=org_id, rule_id=rule_id,
                           actor_id=user.id, values=form, today=today)
    except ValidationFailed as exc:
        return _need_page(request, session, index, pool_id, org_id, rule_id, today=today, form=form,
                          errors=exc.errors, flash=exc.message)
    return redirect_with(route_path(request, "cultivation_gaps", pool_id=pool_id, org_id=org_id), done="posted")

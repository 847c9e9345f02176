"""Staff pages: enterprise portraits (企业画像), and merging or deactivating a record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from models import Organisation
from web.deps import (
    FormDep,
    SessionDep,
    TodayDep,
    csrf_protect,
    unread_badge,
)
from web.presentation import times
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import StaffDep, redirect_with, to_int
from web.routes.params import RowId
from web.services.errors import DomainError, NotFound, ValidationFailed
from web.services.organisations import figures, merge, portraits, records, stewardship

router = APIRouter(prefix="/staff", tags=["pages"], dependencies=[Depends(unread_badge)])
KINDS = {"enterprise": "企业", "provider": "服务机构", "all": "全部"}


@router.get("/portraits", name="staff_portraits")
def portrait_list(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, q: str = "",
                  kind: str = "enterprise") -> Response:
    """Search organisations for their portrait."""
    kind = kind if kind in KINDS else "enterprise"
    page = portraits.search_organisations(session, q=q[:50], kind=kind,
                                          page=to_int(request.query_params.get("page"), lo=1) or 1)
    quals = portraits.qualifications_by_org(session, [o.id for o in page.items])
    held = {org_id: portraits.held_kinds(qs, today=today) for org_id, qs in quals.items()}
    return render(request, "staff/portraits.html", {"page": page, "q": q[:50], "kind": kind, "kinds": KINDS,
                                                    "quals": held})


@router.get("/portraits/{org_id}", name="staff_portrait")
def portrait_detail(request: Request, session: SessionDep, user: StaffDep, org_id: RowId,
                    done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """One organisation's portrait: profile, innovation score, credit, related parties, history."""
    return _portrait(request, session, org_id, flash=_DONE.get(done or ""))


_DONE = {"merged": "已合并：需求、服务、账号与资质已转入本机构，原记录保留并标记为已合并。",
         "deactivated": "机构已停用：其账号不能再登录，开放中的需求和服务已关闭，记录全部保留。",
         "reactivated": "机构已恢复，其账号可以重新登录。", "figures": "已保存认定数据。"}


def _portrait(request: Request, session: SessionDep, org_id: int, *, flash: str | None = None,
              error: str | None = None, status_code: int = 200) -> Response:
    p = portraits.get_portrait(session, org_id=org_id, today=times.today(request.app.state.settings.tz))
    merged_into = session.get(Organisation, p.org.merged_into_id) if p.org.merged_into_id else None
    return render(request, "staff/portrait.html", {"p": p, "merged_into": merged_into, "flash": error or flash,
                                                   "flash_kind": "error" if error else "ok"},
                  status_code=status_code)


def _act(request: Request, session: SessionDep, org_id: int, action: Callable[[], Any], done: str) -> Response:
    """Run a service that refuses before it writes; a refusal re-renders the portrait with its
    message, success goes to the portrait of the organisation the service returns."""
    try:
        outcome = action()
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _portrait(request, session, org_id, error=exc.message, status_code=exc.status_code)
    shown = outcome.target.id if isinstance(outcome, merge.MergeResult) else org_id
    return redirect_with(route_path(request, "staff_portrait", org_id=shown), done=done)


@router.post("/organisations/{org_id}/merge", name="staff_org_merge", dependencies=[Depends(csrf_protect)])
def merge_org(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, form: FormDep) -> Response:
    """Merge this record into the record (named by its credit code) of the same organisation."""
    return _act(request, session, org_id, lambda: merge.merge_into_credit_code(
        session, actor_id=user.id, source_id=org_id, target_credit_code=form.get("target_credit_code", ""),
        note=form.get("note", "")), "merged")


@router.post("/organisations/{org_id}/deactivate", name="staff_org_deactivate", dependencies=[Depends(csrf_protect)])
def deactivate_org(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, form: FormDep) -> Response:
    """Deactivate an organisation, keeping all its records."""
    return _act(request, session, org_id, lambda: merge.deactivate(
        session, actor_id=user.id, org_id=org_id, note=form.get("note", "")), "deactivated")


@router.post("/organisations/{org_id}/reactivate", name="staff_org_reactivate", dependencies=[Depends(csrf_protect)])
def reactivate_org(request: Request, session: SessionDep, user: StaffDep, org_id: RowId) -> Response:
    """Undo a deactivation."""
    return _act(request, session, org_id, lambda: merge.reactivate(session, actor_id=user.id, org_id=org_id),
                "reactivated")


def _figures_page(request: Request, org: object, *, values: dict | None = None,
                  errors: dict | None = None, flash: str | None = None) -> Response:
    return render(request, "staff/portrait_figures.html", {
        "org": org, "values": values, "errors": errors or {}, "flash": flash, "flash_kind": "error"},
        status_code=422 if errors else 200)


@router.get("/portraits/{org_id}/figures", name="staff_portrait_figures")
def figures_form(request: Request, session: SessionDep, user: StaffDep, org_id: RowId) -> Response:
    """Edit the figures the qualification rules read."""
    org = records.get_organisation(session, org_id)
    if org.kind != "enterprise":
        raise NotFound("未找到该企业")
    return _figures_page(request, org)


@router.post("/portraits/{org_id}/figures", name="staff_portrait_figures_save",
             dependencies=[Depends(csrf_protect)])
def save_figures(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, org_id: RowId,
                 form: FormDep) -> Response:
    """Save them; every field is checked before anything is written."""
    try:
        figures.update_figures(session, org_id=org_id, actor_id=user.id, values=form, today=today)
    except ValidationFailed as exc:  # refused before anything was written
        return _figures_page(request, records.get_organisation(session, org_id), values=form,
                             errors=exc.errors, flash=exc.message)
    return redirect_with(route_path(request, "staff_portrait", org_id=org_id), done="figures")


_EDIT_DONE = {"edited": "机构信息已保存，修改已记入审计日志。", "related_added": "已登记关联方。",
              "related_removed": "已删除该关联方记录。"}


def _edit_page(request: Request, session: SessionDep, org_id: int, *, values: dict | None = None,
               error: ValidationFailed | None = None, which: str = "", status_code: int = 200) -> Response:
    p = portraits.get_portrait(session, org_id=org_id, today=times.today(request.app.state.settings.tz))
    org = p.org
    current = {"name": org.name, "credit_code": org.credit_code, "credit_standing": org.credit_standing or "",
               "credit_source": org.credit_source or "",
               "credit_date": org.credit_date.isoformat() if org.credit_date else ""}
    return render(request, "staff/portrait_edit.html", {
        "p": p, "values": values if values is not None and which == "identity" else current,
        "related_values": values if which == "related" else {}, "which": which,
        "errors": error.errors if error else {}, "flash": error.message if error else
        _EDIT_DONE.get(request.query_params.get("done") or ""), "flash_kind": "error" if error else "ok",
    }, status_code=status_code)


@router.get("/portraits/{org_id}/edit", name="staff_portrait_edit")
def portrait_edit(request: Request, session: SessionDep, user: StaffDep, org_id: RowId) -> Response:
    """The form for what only staff change: name, credit code, credit standing, related parties."""
    return _edit_page(request, session, org_id)


@router.post("/portraits/{org_id}/edit", name="staff_portrait_save", dependencies=[Depends(csrf_protect)])
def portrait_save(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, org_id: RowId,
                  form: FormDep) -> Response:
    """Save name, credit code and credit standing (audited with old and new values)."""
    try:
        stewardship.edit_identity(session, org_id=org_id, actor_id=user.id, values=form, today=today)
    except ValidationFailed as exc:
        return _edit_page(request, session, org_id, values=form, error=exc, which="identity", status_code=422)
    return redirect_with(route_path(request, "staff_portrait_edit", org_id=org_id), done="edited")


@router.post("/portraits/{org_id}/related", name="staff_related_add", dependencies=[Depends(csrf_protect)])
def related_add(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, form: FormDep) -> Response:
    """Record a related party (audited)."""
    try:
        stewardship.add_related_party(session, org_id=org_id, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _edit_page(request, session, org_id, values=form, error=exc, which="related", status_code=422)
    return redirect_with(route_path(request, "staff_portrait_edit", org_id=org_id), done="related_added")


@router.post("/portraits/{org_id}/related/{related_id}/delete", name="staff_related_remove",
             dependencies=[Depends(csrf_protect)])
def related_remove(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, related_id: RowId) -> Response:
    """Remove a related party (audited)."""
    stewardship.remove_related_party(session, org_id=org_id, actor_id=user.id, related_id=related_id)
    return redirect_with(route_path(request, "staff_portrait_edit", org_id=org_id), done="related_removed")

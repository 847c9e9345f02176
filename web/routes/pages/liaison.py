"""Staff pages: 重点企业包联 — the workspace, one enterprise's liaison page, and 诉求."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import FormDep, SessionDep, SettingsDep, TodayDep, csrf_protect, unread_badge
from web.presentation.paths import route_path
from web.presentation.responses import render, xlsx_response
from web.routes.pages.staff_common import StaffDep, redirect_with, to_int
from web.routes.params import Marker, RowId
from web.services.errors import ValidationFailed
from web.services.liaison import appeals, assignments, exports, visits, workspace

router = APIRouter(prefix="/staff/liaison", tags=["pages"], dependencies=[Depends(unread_badge)])
CSRF = [Depends(csrf_protect)]
_DONE = {"assigned": "已指派。", "ended": "已结束该包联安排（记录保留）。", "schedule": "已保存走访计划。",
         "visit": "已记录走访。", "appeal": "已登记诉求，并通知企业已受理。", "step": "已记录办理情况。"}


@router.get("", name="liaison_workspace")
def workspace_page(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, mine: Marker = 0) -> Response:
    """Key enterprises, their leads and next visits; overdue visits and 诉求 flagged."""
    ws = workspace.workspace(session, today=today, user_id=user.id if mine else None)
    return render(request, "liaison/workspace.html", {"ws": ws, "mine": bool(mine),
                                                      "overdue_rule": workspace.OVERDUE_RULE,
                                                      "STATUS": appeals.STATUS_LABELS,
                                                      "INTERVALS": visits.INTERVALS})


@router.get("/visits.xlsx", name="liaison_visits_export")
def visits_export(session: SessionDep, settings: SettingsDep, today: TodayDep, user: StaffDep) -> Response:
    """Every visit as Excel."""
    return xlsx_response(exports.export_visits(session, tz=settings.tz), f"走访记录_{today}.xlsx")


@router.get("/appeals.xlsx", name="liaison_appeals_export")
def appeals_export(session: SessionDep, settings: SettingsDep, today: TodayDep, user: StaffDep) -> Response:
    """Every 诉求 and its steps as Excel."""
    return xlsx_response(exports.export_appeals(session, today=today, tz=settings.tz), f"企业诉求_{today}.xlsx")


def _org_page(request: Request, session: SessionDep, org_id: int, today: date, **extra: Any) -> Response:
    org = assignments.enterprise(session, org_id)
    schedule = visits.schedule_of(session, org_id=org_id)
    log = visits.visits_of(session, org_id=org_id)
    return render(request, "liaison/enterprise.html", {
        "org": org, "team": assignments.current(session, org_id=org_id), "staff": assignments.assignable_staff(session),
        "schedule": schedule, "visits": log,
        "next_due": visits.next_due(schedule, log[0].visited_on if log else None) if schedule else None,
        "appeals": appeals.list_appeals(session, org_id=org_id), "today": today,
        "INTERVALS": visits.INTERVALS, "APPEAL_CATEGORIES": appeals.CATEGORIES, "DEPARTMENTS": appeals.DEPARTMENTS,
        "STATUS": appeals.STATUS_LABELS, "ROLES": assignments.ROLE_LABELS, "errors": {}, "form": {},
        "section": "", **extra}, status_code=422 if extra.get("errors") else 200)


@router.get("/{org_id}", name="liaison_enterprise")
def enterprise_page(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, org_id: RowId,
                    done: str = "") -> Response:
    """One key enterprise: its team, visit schedule and log, and 诉求."""
    return _org_page(request, session, org_id, today, flash=_DONE.get(done))


def _post(request: Request, session: SessionDep, org_id: int, today: date, section: str, form: dict[str, Any],
          action: Any, done: str) -> Response:
    try:
        action()
    except ValidationFailed as exc:
        return _org_page(request, session, org_id, today, errors=exc.errors, form=form, section=section,
                         flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "liaison_enterprise", org_id=org_id), done=done)


@router.post("/{org_id}/assignments", name="liaison_assign", dependencies=CSRF)
def assign(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, org_id: RowId,
           form: FormDep) -> Response:
    """Assign a lead or a helper."""
    return _post(request, session, org_id, today, "team", form, lambda: assignments.assign(
        session, org_id=org_id, user_id=to_int(form.get("user_id"), hi=2**31 - 1) or 0,
        role=form.get("role", ""), actor_id=user.id), "assigned")


@router.post("/{org_id}/assignments/{assignment_id}/end", name="liaison_unassign", dependencies=CSRF)
def unassign(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, assignment_id: RowId) -> Response:
    """End an assignment."""
    assignments.end(session, org_id=org_id, assignment_id=assignment_id, actor_id=user.id)
    return redirect_with(route_path(request, "liaison_enterprise", org_id=org_id), done="ended")


@router.post("/{org_id}/schedule", name="liaison_schedule", dependencies=CSRF)
def schedule(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, org_id: RowId,
             form: FormDep) -> Response:
    """Set the visit schedule."""
    return _post(request, session, org_id, today, "schedule", form, lambda: visits.set_schedule(
        session, org_id=org_id, actor_id=user.id, values=form), "schedule")


@router.post("/{org_id}/visits", name="liaison_visit", dependencies=CSRF)
def visit(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, org_id: RowId,
          form: FormDep) -> Response:
    """Log a visit."""
    return _post(request, session, org_id, today, "visit", form, lambda: visits.record_visit(
        session, org_id=org_id, actor_id=user.id, values=form, today=today), "visit")


@router.post("/{org_id}/appeals", name="liaison_appeal", dependencies=CSRF)
def raise_appeal(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, org_id: RowId,
                 form: FormDep) -> Response:
    """Record a 诉求 the enterprise raised."""
    return _post(request, session, org_id, today, "appeal", form, lambda: appeals.raise_appeal(
        session, org_id=org_id, actor_id=user.id, values=form, today=today), "appeal")


def _appeal_page(request: Request, session: SessionDep, appeal_id: int, today: date, **extra: Any) -> Response:
    appeal = appeals.get_appeal(session, appeal_id)
    return render(request, "liaison/appeal.html", {
        "appeal": appeal, "org": assignments.enterprise(session, appeal.org_id),
        "steps": appeals.steps_of(session, appeal_id=appeal_id), "STATUS": appeals.STATUS_LABELS,
        "moves": sorted(appeals.MOVES[appeal.status], key=list(appeals.STATUS_LABELS).index),
        "today": today, "errors": {}, "form": {}, **extra},
        status_code=422 if extra.get("errors") else 200)


@router.get("/appeals/{appeal_id}", name="liaison_appeal_detail")
def appeal_page(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, appeal_id: RowId,
                done: str = "") -> Response:
    """One 诉求 with every step."""
    return _appeal_page(request, session, appeal_id, today, flash=_DONE.get(done))


@router.post("/appeals/{appeal_id}/steps", name="liaison_appeal_step", dependencies=CSRF)
def appeal_step(request: Request, session: SessionDep, today: TodayDep, user: StaffDep, appeal_id: RowId,
                form: FormDep) -> Response:
    """Record a step: progress, hand-over or closure."""
    try:
        appeals.add_step(session, appeal_id=appeal_id, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _appeal_page(request, session, appeal_id, today, errors=exc.errors, form=form, flash=exc.message,
                            flash_kind="error")
    return redirect_with(route_path(request, "liaison_appeal_detail", appeal_id=appeal_id), done="step")

"""Staff pages: 一企一策 for the listing pool — each enterprise's plan with matched services."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import FormDep, IndexDep, SessionDep, TodayDep, csrf_protect, unread_badge
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import StaffDep, redirect_with
from web.routes.params import Marker, RowId
from web.services.cultivation import listing
from web.services.errors import ValidationFailed

router = APIRouter(prefix="/staff/listing", tags=["pages"], dependencies=[Depends(unread_badge)])
CSRF = [Depends(csrf_protect)]


@router.get("", name="listing_overview")
def overview(request: Request, session: SessionDep, today: TodayDep, user: StaffDep) -> Response:
    """The listing pool's enterprises and how far their plans have got."""
    return render(request, "cultivation/listing.html", {"rows": listing.progress(session, today=today)})


def _plan_page(request: Request, session: SessionDep, index: IndexDep, org_id: int, today: date,
               **extra: Any) -> Response:
    return render(request, "cultivation/listing_plan.html", {
        "plan": listing.plan(session, index, org_id=org_id), "today": today,
        "STATUS": listing.STEP_STATUS, "STANDARD": listing.STANDARD_STEPS,
        "errors": {}, "form": {}, "editing": None, **extra}, status_code=422 if extra.get("errors") else 200)


@router.get("/{org_id}", name="listing_plan")
def plan_page(request: Request, session: SessionDep, index: IndexDep, today: TodayDep, user: StaffDep,
              org_id: RowId, done: Marker = 0) -> Response:
    """One enterprise's plan: steps with owner, due date and status, services beside each."""
    return _plan_page(request, session, index, org_id, today, flash="已保存。" if done else None)


@router.post("/{org_id}/steps", name="listing_step_add", dependencies=CSRF)
def add_step(request: Request, session: SessionDep, index: IndexDep, today: TodayDep, user: StaffDep,
             org_id: RowId, form: FormDep) -> Response:
    """Add a step."""
    try:
        listing.save_step(session, org_id=org_id, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _plan_page(request, session, index, org_id, today, errors=exc.errors, form=form, flash=exc.message,
                          flash_kind="error")
    return redirect_with(route_path(request, "listing_plan", org_id=org_id), done=1)


@router.post("/{org_id}/steps/{step_id}", name="listing_step_save", dependencies=CSRF)
def save_step(request: Request, session: SessionDep, index: IndexDep, today: TodayDep, user: StaffDep,
              org_id: RowId, step_id: RowId, form: FormDep) -> Response:
    """Change a step (status, owner, due date …)."""
    try:
        listing.save_step(session, org_id=org_id, actor_id=user.id, values=form, step_id=step_id)
    except ValidationFailed as exc:
        return _plan_page(request, session, index, org_id, today, errors=exc.errors, form=form, editing=step_id,
                          flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "listing_plan", org_id=org_id), done=1)

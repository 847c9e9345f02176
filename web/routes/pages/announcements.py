"""通知公告 pages: staff publish and withdraw; everyone reads what is addressed to them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from models.organisation import ORG_KIND_LABELS
from web.deps import SessionDep, SettingsDep, UserDep, csrf_protect, unread_badge
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import StaffDep, redirect_with
from web.routes.params import Marker, PageNumber, RowId
from web.services import announcements
from web.services.errors import ValidationFailed

router = APIRouter(tags=["pages"], dependencies=[Depends(unread_badge)])


def _staff_page(request: Request, session: SessionDep, *, page: int = 1, values: dict | None = None,
                errors: dict | None = None, flash: str | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/announcements.html", {
        "page": announcements.list_all(session, page=page), "values": values or {}, "errors": errors or {},
        "NOTICE_CATEGORIES": announcements.CATEGORIES, "KINDS": ORG_KIND_LABELS, "audience_label": announcements.audience_label,
        "flash": flash, "flash_kind": "error" if errors else "ok"},
        status_code=status_code)


@router.get("/staff/announcements", name="staff_announcements")
def manage(request: Request, session: SessionDep, user: StaffDep, page: PageNumber = 1,
           published: Marker = 0, withdrawn: Marker = 0) -> Response:
    """Every announcement with its audience and dates, and the form to publish one."""
    flash = "公告已发布。" if published else ("公告已撤回。" if withdrawn else None)
    return _staff_page(request, session, page=page, flash=flash)


@router.post("/staff/announcements", name="staff_announcement_publish", dependencies=[Depends(csrf_protect)])
async def publish(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep) -> Response:
    """Publish an announcement to everyone or to the chosen kinds of organisation."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "audience"}
    audience = [v for v in form.getlist("audience") if isinstance(v, str)]
    try:
        announcements.publish(session, actor_id=user.id, values=values, audience=audience, tz=settings.tz)
    except ValidationFailed as exc:
        return _staff_page(request, session, values={**values, "audience": audience}, errors=exc.errors,
                           flash=exc.message, status_code=422)
    return redirect_with(route_path(request, "staff_announcements"), published=1)


@router.post("/staff/announcements/{announcement_id}/withdraw", name="staff_announcement_withdraw",
             dependencies=[Depends(csrf_protect)])
def withdraw(request: Request, session: SessionDep, user: StaffDep, announcement_id: RowId) -> Response:
    """Take an announcement down."""
    announcements.withdraw(session, actor_id=user.id, announcement_id=announcement_id)
    return redirect_with(route_path(request, "staff_announcements"), withdrawn=1)


@router.get("/announcements", name="announcements")
def read_list(request: Request, session: SessionDep, user: UserDep) -> Response:
    """The live announcements addressed to the user, unread marked."""
    return render(request, "announcements/list.html", {"items": announcements.visible(session, user_id=user.id)})


@router.post("/announcements/{announcement_id}/read", name="announcement_read", dependencies=[Depends(csrf_protect)])
def mark_read(request: Request, session: SessionDep, user: UserDep, announcement_id: RowId) -> Response:
    """Mark one announcement read."""
    announcements.mark_read(session, user_id=user.id, announcement_id=announcement_id)
    return RedirectResponse(f"{route_path(request, 'announcements')}#a{announcement_id}", status_code=303)

"""The notification inbox (推送消息) of any logged-in user, and how they want to be told."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from models.user import NOTIFY_MODES
from web.deps import SessionDep, SettingsDep, UserDep, csrf_protect, unread_badge
from web.presentation.links import notification_path
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.params import Marker, PageNumber, RowId
from web.services import announcements, notifications

router = APIRouter(tags=["pages"], dependencies=[Depends(unread_badge)])


@router.get("/inbox", name="inbox")
def inbox(request: Request, session: SessionDep, settings: SettingsDep, user: UserDep,
          unread: Annotated[str | None, Query(max_length=1)] = None,
          page: PageNumber = 1, saved: Marker = 0) -> Response:
    """The user's and their organisation's notifications, newest first (a digest user: up to 08:00)."""
    unread_only = unread == "1"
    held = notifications.held_after(session, user_id=user.id, tz=settings.tz)
    result = notifications.list_inbox(session, user_id=user.id, org_id=user.org_id,
                                      unread_only=unread_only, page=page, held=held)
    waiting = notifications.waiting_count(session, user_id=user.id, org_id=user.org_id, held=held) if held else 0
    return render(request, "inbox/list.html", {
        "notes": result.items, "page": result, "unread_only": unread_only,
        "notices": [a for a in announcements.visible(session, user_id=user.id) if not a.read],
        "unread": request.state.unread,  # counted for the navigation badge (unread_badge), same held
        "held": held, "waiting": waiting, "mode": "daily" if held else "immediate", "NOTIFY_MODES": NOTIFY_MODES,
        "flash": "通知方式已保存。" if saved else None})


@router.post("/inbox/mode", name="inbox_mode", dependencies=[Depends(csrf_protect)])
def set_mode(request: Request, session: SessionDep, user: UserDep,
             notify_mode: Annotated[str, Form(max_length=16)] = "") -> Response:
    """Choose immediate messages or one daily digest."""
    notifications.set_notify_mode(session, user_id=user.id, mode=notify_mode)
    return RedirectResponse(route_path(request, "inbox") + "?saved=1", status_code=303)


@router.post("/inbox/read-all", name="inbox_read_all", dependencies=[Depends(csrf_protect)])
def read_all(request: Request, session: SessionDep, settings: SettingsDep, user: UserDep) -> Response:
    """Mark every notification shown read."""
    held = notifications.held_after(session, user_id=user.id, tz=settings.tz)
    notifications.mark_all_read(session, user_id=user.id, org_id=user.org_id, held=held)
    return RedirectResponse(route_path(request, "inbox"), status_code=303)


@router.post("/inbox/{notification_id}/read", name="inbox_read", dependencies=[Depends(csrf_protect)])
def read(request: Request, session: SessionDep, user: UserDep, notification_id: RowId) -> Response:
    """Mark one notification read and open the page of what it is about."""
    note = notifications.mark_read(session, notification_id=notification_id, user_id=user.id,
                                   org_id=user.org_id)
    # Only a path this app builds from the notification's target: never an open redirect.
    target = notification_path(request, note, user.role) or route_path(request, "inbox")
    return RedirectResponse(target, status_code=303)

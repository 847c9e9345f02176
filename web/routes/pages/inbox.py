"""The notification inbox (推送消息) of any logged-in user, and how they want to be told."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from models import Notification
from models.user import NOTIFY_MODES
from web.deps import SessionDep, SettingsDep, UserDep, csrf_protect, unread_badge
from web.routes.pages.portal import query_without_page, render
from web.services import notifications
from web.services.matches import portal
from web.services.paging import Page

router = APIRouter(tags=["pages"], dependencies=[Depends(unread_badge)])
PER_PAGE = 20


@router.get("/inbox", name="inbox")
def inbox(request: Request, session: SessionDep, settings: SettingsDep, user: UserDep,
          unread: Annotated[str | None, Query(max_length=1)] = None,
          page: Annotated[int, Query(ge=1, le=100000)] = 1,
          saved: Annotated[str, Query(max_length=1)] = "") -> Response:
    """The user's and their organisation's notifications, newest first (a digest user: up to 08:00)."""
    unread_only = unread == "1"
    held = notifications.held_after(session, user_id=user.id, tz=settings.tz)
    notes = notifications.list_inbox(session, user_id=user.id, org_id=user.org_id, unread_only=unread_only,
                                     limit=PER_PAGE, offset=(page - 1) * PER_PAGE, held=held)
    count = notifications.unread_count(session, user_id=user.id, org_id=user.org_id, held=held)
    total = notifications.inbox_total(session, user_id=user.id, org_id=user.org_id, unread_only=unread_only,
                                      held=held)
    waiting = notifications.waiting_count(session, user_id=user.id, org_id=user.org_id, held=held) if held else 0
    return render(request, "inbox/list.html", {
        "notes": notes, "unread": count, "unread_only": unread_only, "held": held, "waiting": waiting,
        "mode": "daily" if held else "immediate", "NOTIFY_MODES": NOTIFY_MODES,
        "flash": "通知方式已保存。" if saved else None,
        "page": Page(items=notes, total=total, page=page, per_page=PER_PAGE),
        "qs": query_without_page(request)})


@router.post("/inbox/mode", name="inbox_mode", dependencies=[Depends(csrf_protect)])
def set_mode(request: Request, session: SessionDep, user: UserDep,
             notify_mode: Annotated[str, Form(max_length=16)] = "") -> Response:
    """Choose immediate messages or one daily digest."""
    notifications.set_notify_mode(session, user_id=user.id, mode=notify_mode)
    return RedirectResponse("/inbox?saved=1", status_code=303)


@router.post("/inbox/read-all", name="inbox_read_all", dependencies=[Depends(csrf_protect)])
def read_all(request: Request, session: SessionDep, settings: SettingsDep, user: UserDep) -> Response:
    """Mark every notification shown read."""
    held = notifications.held_after(session, user_id=user.id, tz=settings.tz)
    portal.mark_all_read(session, user_id=user.id, org_id=user.org_id, held=held)
    return RedirectResponse("/inbox", status_code=303)


@router.post("/inbox/{notification_id}/read", name="inbox_read", dependencies=[Depends(csrf_protect)])
def read(request: Request, session: SessionDep, user: UserDep, notification_id: int) -> Response:
    """Mark one notification read and follow its link."""
    notifications.mark_read(session, notification_id=notification_id, user_id=user.id, org_id=user.org_id)
    note = session.get(Notification, notification_id)
    link = note.link if note and note.link and note.link.startswith("/") else "/inbox"
    return RedirectResponse(link, status_code=303)

"""JSON API: the notification inbox (推送)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from models import Notification
from web.deps import CurrentUser, SessionDep, SettingsDep, UserDep, csrf_protect
from web.presentation.links import notification_path
from web.routes.api.schemas import PageOut, page_out
from web.routes.params import PageNumber, PerPage, RowId
from web.services import notifications

router = APIRouter(prefix="/api/v1/notifications", tags=["消息"])


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str | None
    match_id: int | None
    read_at: datetime | None
    created_at: datetime


class UnreadOut(BaseModel):
    unread: int


@router.get("", response_model=PageOut[NotificationOut], summary="消息列表")
def list_notifications(request: Request, session: SessionDep, settings: SettingsDep, user: UserDep,
                       unread: bool = False, page: PageNumber = 1,
                       per_page: PerPage = 20) -> dict[str, Any]:
    """The user's and their organisation's notifications, newest first (a daily-digest user:
    those before the last digest time, as on the inbox page)."""
    result = notifications.list_inbox(session, user_id=user.id, org_id=user.org_id, unread_only=unread,
                                      page=page, per_page=per_page, held=_held(session, settings, user))
    return page_out(result, [_out(request, user, n) for n in result.items])


def _out(request: Request, user: CurrentUser, note: Notification) -> NotificationOut:
    return NotificationOut(id=note.id or 0, kind=note.kind, title=note.title, body=note.body,
                           link=notification_path(request, note, user.role), match_id=note.match_id,
                           read_at=note.read_at, created_at=note.created_at)


def _held(session: SessionDep, settings: SettingsDep, user: CurrentUser) -> datetime | None:
    return notifications.held_after(session, user_id=user.id, tz=settings.tz)


@router.get("/unread-count", response_model=UnreadOut, summary="未读数量")
def unread_count(session: SessionDep, settings: SettingsDep, user: UserDep) -> UnreadOut:
    """How many notifications are unread (the number the navigation badge shows)."""
    return UnreadOut(unread=notifications.unread_count(session, user_id=user.id, org_id=user.org_id,
                                                       held=_held(session, settings, user)))


@router.post("/read-all", response_model=UnreadOut, summary="全部标为已读", dependencies=[Depends(csrf_protect)])
def read_all(session: SessionDep, settings: SettingsDep, user: UserDep) -> UnreadOut:
    """Mark every notification shown read (a daily-digest user: those released by the last digest)."""
    notifications.mark_all_read(session, user_id=user.id, org_id=user.org_id, held=_held(session, settings, user))
    return UnreadOut(unread=0)


@router.post("/{notification_id}/read", response_model=UnreadOut, summary="标为已读",
             dependencies=[Depends(csrf_protect)])
def read(session: SessionDep, settings: SettingsDep, user: UserDep, notification_id: RowId) -> UnreadOut:
    """Mark one notification read (another user's is 404)."""
    notifications.mark_read(session, notification_id=notification_id, user_id=user.id, org_id=user.org_id)
    return UnreadOut(unread=notifications.unread_count(session, user_id=user.id, org_id=user.org_id,
                                                       held=_held(session, settings, user)))

"""JSON API: the notification inbox (推送)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from web.deps import SessionDep, UserDep, csrf_protect
from web.routes.api.schemas import PageOut
from web.routes.params import PageNumber, PerPage, RowId
from web.services import notifications
from web.services.matches import portal

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
def list_notifications(session: SessionDep, user: UserDep, unread: bool = False,
                       page: PageNumber = 1,
                       per_page: PerPage = 20) -> dict[str, Any]:
    """The user's and their organisation's notifications, newest first."""
    notes = notifications.list_inbox(session, user_id=user.id, org_id=user.org_id, unread_only=unread,
                                     limit=per_page, offset=(page - 1) * per_page)
    total = portal.inbox_total(session, user_id=user.id, org_id=user.org_id, unread_only=unread)
    return {"items": [NotificationOut.model_validate(n, from_attributes=True) for n in notes],
            "total": total, "page": page, "per_page": per_page, "pages": max(1, -(-total // per_page))}


@router.get("/unread-count", response_model=UnreadOut, summary="未读数量")
def unread_count(session: SessionDep, user: UserDep) -> UnreadOut:
    """How many notifications are unread."""
    return UnreadOut(unread=notifications.unread_count(session, user_id=user.id, org_id=user.org_id))


@router.post("/read-all", response_model=UnreadOut, summary="全部标为已读", dependencies=[Depends(csrf_protect)])
def read_all(session: SessionDep, user: UserDep) -> UnreadOut:
    """Mark every notification read."""
    portal.mark_all_read(session, user_id=user.id, org_id=user.org_id)
    return UnreadOut(unread=0)


@router.post("/{notification_id}/read", response_model=UnreadOut, summary="标为已读",
             dependencies=[Depends(csrf_protect)])
def read(session: SessionDep, user: UserDep, notification_id: RowId) -> UnreadOut:
    """Mark one notification read (another user's is 404)."""
    notifications.mark_read(session, notification_id=notification_id, user_id=user.id, org_id=user.org_id)
    return UnreadOut(unread=notifications.unread_count(session, user_id=user.id, org_id=user.org_id))

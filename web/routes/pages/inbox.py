"""The notification inbox (推送消息) of any logged-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import SessionDep, UserDep, csrf_protect, unread_badge
from web.presentation.links import notification_path
from web.presentation.responses import render
from web.routes.params import PageNumber, RowId
from web.services import announcements, notifications

router = APIRouter(tags=["pages"], dependencies=[Depends(unread_badge)])


@router.get("/inbox", name="inbox")
def inbox(request: Request, session: SessionDep, user: UserDep,
          unread: Annotated[str | None, Query(max_length=1)] = None,
          page: PageNumber = 1) -> Response:
    """The user's and their organisation's notifications, newest first."""
    unread_only = unread == "1"
    result = notifications.list_inbox(session, user_id=user.id, org_id=user.org_id,
                                      unread_only=unread_only, page=page)
    return render(request, "inbox/list.html", {
        "notes": result.items, "page": result, "unread_only": unread_only,
        "notices": [a for a in announcements.visible(session, user_id=user.id) if not a.read],
        "unread": notifications.unread_count(session, user_id=user.id, org_id=user.org_id)})


@router.post("/inbox/read-all", name="inbox_read_all", dependencies=[Depends(csrf_protect)])
def read_all(request: Request, session: SessionDep, user: UserDep) -> Response:
    """Mark every notification read."""
    notifications.mark_all_read(session, user_id=user.id, org_id=user.org_id)
    return RedirectResponse(request.url_for("inbox").path, status_code=303)


@router.post("/inbox/{notification_id}/read", name="inbox_read", dependencies=[Depends(csrf_protect)])
def read(request: Request, session: SessionDep, user: UserDep, notification_id: RowId) -> Response:
    """Mark one notification read and open the page of what it is about."""
    note = notifications.mark_read(session, notification_id=notification_id, user_id=user.id,
                                   org_id=user.org_id)
    # Only a path this app builds from the notification's target: never an open redirect.
    target = notification_path(request, note, user.role) or request.url_for("inbox").path
    return RedirectResponse(target, status_code=303)

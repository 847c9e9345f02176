"""The notification inbox (推送消息) of any logged-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from models import Notification
from web.deps import SessionDep, UserDep, csrf_protect, unread_badge
from web.routes.pages.portal import query_without_page, render
from web.routes.params import PageNumber, RowId
from web.services import announcements, notifications
from web.services.matches import portal
from web.services.paging import Page

router = APIRouter(tags=["pages"], dependencies=[Depends(unread_badge)])
PER_PAGE = 20


@router.get("/inbox", name="inbox")
def inbox(request: Request, session: SessionDep, user: UserDep,
          unread: Annotated[str | None, Query(max_length=1)] = None,
          page: PageNumber = 1) -> Response:
    """The user's and their organisation's notifications, newest first."""
    unread_only = unread == "1"
    notes = notifications.list_inbox(session, user_id=user.id, org_id=user.org_id, unread_only=unread_only,
                                     limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    count = notifications.unread_count(session, user_id=user.id, org_id=user.org_id)
    total = portal.inbox_total(session, user_id=user.id, org_id=user.org_id, unread_only=unread_only)
    notices = [a for a in announcements.visible(session, user_id=user.id) if not a.read]
    return render(request, "inbox/list.html", {
        "notes": notes, "notices": notices, "unread": count, "unread_only": unread_only,
        "page": Page(items=notes, total=total, page=page, per_page=PER_PAGE),
        "qs": query_without_page(request)})


@router.post("/inbox/read-all", name="inbox_read_all", dependencies=[Depends(csrf_protect)])
def read_all(request: Request, session: SessionDep, user: UserDep) -> Response:
    """Mark every notification read."""
    portal.mark_all_read(session, user_id=user.id, org_id=user.org_id)
    return RedirectResponse("/inbox", status_code=303)


@router.post("/inbox/{notification_id}/read", name="inbox_read", dependencies=[Depends(csrf_protect)])
def read(request: Request, session: SessionDep, user: UserDep, notification_id: RowId) -> Response:
    """Mark one notification read and follow its link."""
    notifications.mark_read(session, notification_id=notification_id, user_id=user.id, org_id=user.org_id)
    note = session.get(Notification, notification_id)
    link = note.link if note and note.link and note.link.startswith("/") else "/inbox"
    return RedirectResponse(link, status_code=303)

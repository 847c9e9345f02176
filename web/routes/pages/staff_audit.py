"""Staff page: the audit log, filtered and paginated."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import SessionDep, SettingsDep, unread_badge
from web.presentation.responses import render
from web.routes.pages.staff_common import StaffDep, to_int
from web.services import audit

router = APIRouter(prefix="/staff", tags=["pages"], dependencies=[Depends(unread_badge)])


def to_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/audit", name="staff_audit")
def audit_page(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep) -> Response:
    """Every recorded change, newest first, filtered by action, actor and date range."""
    q = request.query_params
    action = (q.get("action") or "")[:50]
    actor = (q.get("actor") or "")[:50]
    date_from, date_to = to_date(q.get("from")), to_date(q.get("to"))
    page = audit.list_audit(session, tz=settings.tz, action=action or None, actor=actor or None, date_from=date_from,
                                date_to=date_to, page=to_int(q.get("page"), lo=1) or 1)
    return render(request, "staff/audit.html", {
        "page": page, "actions": audit.known_actions(session), "action": action, "actor": actor,
        "date_from": date_from, "date_to": date_to,
    })

"""在线用户 and 登录日志 pages (系统管理员)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from web.deps import CurrentUser, SessionDep, SettingsDep, csrf_protect, require_roles, unread_badge
from web.presentation.paths import route_path
from web.presentation.responses import render, xlsx_response
from web.routes.pages.staff_common import redirect_with
from web.routes.params import DateFilter, Marker, PageNumber
from web.services.accounts import login_log, sessions

Admin = Annotated[CurrentUser, Depends(require_roles("admin"))]
router = APIRouter(tags=["pages"], dependencies=[Depends(require_roles("admin")), Depends(unread_badge)])
Text = Annotated[str | None, Query(max_length=64)]


@router.get("/admin/sessions", name="admin_sessions")
def live_sessions(request: Request, session: SessionDep, user: Admin, q: Text = None,
                  page: PageNumber = 1, ended: Marker = 0) -> Response:
    """Live sessions with their last activity."""
    return render(request, "admin/sessions.html", {
        "page": sessions.list_live(session, q=q, page=page), "q": q or "",
        "flash": "已强制该会话退出。" if ended else None})


@router.post("/admin/sessions/{session_id}/end", name="admin_session_end", dependencies=[Depends(csrf_protect)])
def end_session(request: Request, session: SessionDep, user: Admin, session_id: str) -> Response:
    """Force one session to log out."""
    sessions.end_session(session, actor_id=user.id, session_id=session_id[:64])
    return redirect_with(route_path(request, "admin_sessions"), ended=1)


def _filters(username: str | None, ip: str | None, result: str | None, date_from: date | None,
             date_to: date | None) -> login_log.LoginFilters:
    return login_log.LoginFilters(username=username, ip=ip, result=result, date_from=date_from, date_to=date_to)


@router.get("/admin/logins", name="admin_logins")
def logins(request: Request, session: SessionDep, settings: SettingsDep, user: Admin, username: Text = None, ip: Text = None,
           result: Annotated[str | None, Query(max_length=4)] = None, date_from: DateFilter = None,
           date_to: DateFilter = None, page: PageNumber = 1) -> Response:
    """Every login attempt, filtered, with flagged anomalies on top."""
    filters = _filters(username, ip, result, date_from, date_to)
    return render(request, "admin/logins.html", {
        "page": login_log.list_attempts(session, filters=filters, tz=settings.tz, page=page), "f": filters,
        "anomalies": login_log.anomalies(session), "RESULTS": login_log.RESULTS})


@router.get("/admin/logins.xlsx", name="admin_logins_export")
def export_logins(session: SessionDep, settings: SettingsDep, user: Admin, username: Text = None, ip: Text = None,
                  result: Annotated[str | None, Query(max_length=4)] = None, date_from: DateFilter = None,
                  date_to: DateFilter = None) -> Response:
    """The filtered login attempts as an Excel file."""
    data = login_log.attempts_xlsx(session, filters=_filters(username, ip, result, date_from, date_to),
                                   tz=settings.tz)
    return xlsx_response(data, "登录日志.xlsx")

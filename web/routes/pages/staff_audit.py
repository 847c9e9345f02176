"""Staff page: the audit log (操作日志), filtered and paginated; its chain verified; exported for auditors."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import SessionDep, SettingsDep, unread_badge
from web.presentation.responses import render, xlsx_response
from web.routes.pages.staff_common import StaffDep, to_int
from web.services import audit

router = APIRouter(prefix="/staff", tags=["pages"], dependencies=[Depends(unread_badge)])


def to_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: Request, tz: tzinfo) -> audit.AuditFilters:
    """Filters from the query string; junk in a field means "no filter" on that field."""
    q = request.query_params
    object_type = (q.get("object") or "")[:32]
    return audit.AuditFilters(
        tz=tz, action=(q.get("action") or "")[:50] or None, actor=(q.get("actor") or "")[:50] or None,
        object_type=object_type if object_type in audit.OBJECT_LABELS else None,
        object_id=to_int(q.get("object_id"), lo=1, hi=2**31 - 1),
        date_from=to_date(q.get("from")), date_to=to_date(q.get("to")))


def _page(request: Request, session: SessionDep, tz: tzinfo, chain: Any = None) -> Response:
    f = _filters(request, tz)
    page = audit.list_audit(session, tz=f.tz, action=f.action, actor=f.actor, object_type=f.object_type,
                            object_id=f.object_id, date_from=f.date_from, date_to=f.date_to,
                            page=to_int(request.query_params.get("page"), lo=1) or 1)
    return render(request, "staff/audit.html", {
        "page": page, "actions": audit.known_actions(session), "action": f.action or "", "actor": f.actor or "",
        "object_type": f.object_type or "", "object_id": f.object_id or "", "objects": audit.OBJECT_LABELS,
        "date_from": f.date_from, "date_to": f.date_to, "chain": chain})


@router.get("/audit", name="staff_audit")
def audit_page(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep) -> Response:
    """Every recorded change, newest first, filtered by action, actor, object and date range."""
    return _page(request, session, settings.tz)


@router.get("/audit/verify", name="staff_audit_verify")
def audit_verify(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep) -> Response:
    """The audit page with the whole hash chain verified: intact, or where it was changed."""
    return _page(request, session, settings.tz, chain=audit.verify_chain(session))


@router.get("/audit/export.xlsx", name="staff_audit_export")
def audit_export(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep) -> Response:
    """The filtered audit log as Excel for auditors (hashes and a verification sheet)."""
    data = audit.export_xlsx(session, actor_id=user.id, filters=_filters(request, settings.tz))
    return xlsx_response(data, "操作日志.xlsx", "zhengqi-audit-log.xlsx")

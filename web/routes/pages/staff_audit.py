"""Staff page: the audit log, filtered and paginated; its chain verified; exported for auditors."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import SessionDep, unread_badge
from web.presentation.responses import render, xlsx_response
from web.routes.pages.staff_common import StaffDep, to_int
from web.services import audit

router = APIRouter(prefix="/staff", tags=["pages"], dependencies=[Depends(unread_badge)])


def to_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {"action": (q.get("action") or "")[:50] or None, "actor": (q.get("actor") or "")[:50] or None,
            "date_from": to_date(q.get("from")), "date_to": to_date(q.get("to"))}


def _page(request: Request, session: SessionDep, chain: Any = None) -> Response:
    f = _filters(request)
    page = audit.list_audit(session, **f, page=to_int(request.query_params.get("page"), lo=1) or 1)
    return render(request, "staff/audit.html", {
        "page": page, "actions": audit.known_actions(session), "action": f["action"] or "",
        "actor": f["actor"] or "", "date_from": f["date_from"], "date_to": f["date_to"], "chain": chain,
        "query": request.url.query,
    })


@router.get("/audit", name="staff_audit")
def audit_page(request: Request, session: SessionDep, user: StaffDep) -> Response:
    """Every recorded change, newest first, filtered by action, actor and date range."""
    return _page(request, session)


@router.get("/audit/verify", name="staff_audit_verify")
def audit_verify(request: Request, session: SessionDep, user: StaffDep) -> Response:
    """The audit page with the whole hash chain verified: intact, or where it was changed."""
    return _page(request, session, chain=audit.verify_chain(session))


@router.get("/audit/export.xlsx", name="staff_audit_export")
def audit_export(request: Request, session: SessionDep, user: StaffDep) -> Response:
    """The filtered audit log as Excel for auditors (Beijing time, hashes, verification sheet)."""
    data = audit.export_xlsx(session, actor_id=user.id, **_filters(request))
    return xlsx_response(data, "审计日志.xlsx", "zhengqi-audit-log.xlsx")

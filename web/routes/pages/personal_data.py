"""个人信息 (personal data): a person sees, corrects, downloads and asks to delete theirs;
staff and administrators handle the deletion requests."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from web.deps import (
    CurrentUser,
    FormDep,
    SessionDep,
    UserDep,
    csrf_protect,
    require_roles,
    unread_badge,
)
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import redirect_with
from web.routes.params import Marker, RowId
from web.services.accounts import personal_data
from web.services.errors import DomainError, ValidationFailed

router = APIRouter(tags=["pages"], dependencies=[Depends(unread_badge)])
StaffDep = Annotated[CurrentUser, Depends(require_roles("staff", "admin"))]
NOTICES = {"name": "姓名已更正。", "contacts": "联系人信息已更正。", "requested": "删除申请已提交，服务专员处理后会通知您。"}


def _page(request: Request, session: SessionDep, user: CurrentUser, *, errors: dict | None = None,
          flash: str | None = None, values: dict | None = None, status_code: int = 200) -> Response:
    data = personal_data.personal_data(session, user_id=user.id)
    return render(request, "account/privacy.html", {
        "data": data, "errors": errors or {}, "values": values, "flash": flash,
        "flash_kind": "error" if errors else "ok", "can_request": user.role in personal_data.REQUESTING_ROLES,
    }, status_code=status_code)


@router.get("/account/privacy", name="account_privacy")
def privacy_page(request: Request, session: SessionDep, user: UserDep, done: Marker = 0,
                 what: Annotated[str, Query(max_length=20)] = "") -> Response:
    """The personal data the platform holds about the logged-in person."""
    return _page(request, session, user, flash=NOTICES.get(what) if done else None)


@router.post("/account/privacy/name", name="account_privacy_name", dependencies=[Depends(csrf_protect)])
def correct_name(request: Request, session: SessionDep, user: UserDep,
                 display_name: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Correct one's own name."""
    try:
        personal_data.correct_name(session, user_id=user.id, display_name=display_name)
    except ValidationFailed as exc:
        return _page(request, session, user, errors=exc.errors, flash=exc.message, status_code=422,
                     values={"display_name": display_name})
    return redirect_with(route_path(request, "account_privacy"), done=1, what="name")


@router.post("/account/privacy/contacts", name="account_privacy_contacts",
             dependencies=[Depends(csrf_protect), Depends(require_roles(*personal_data.REQUESTING_ROLES))])
def correct_contacts(request: Request, session: SessionDep, user: UserDep, form: FormDep) -> Response:
    """Correct one's contact details kept as the organisation's contact person."""
    values = {k: form.get(k, "") for k in personal_data.CONTACT_FIELDS}
    try:
        personal_data.correct_contacts(session, user_id=user.id, values=values)
    except ValidationFailed as exc:
        return _page(request, session, user, errors=exc.errors, flash=exc.message, status_code=422,
                     values=values)
    return redirect_with(route_path(request, "account_privacy"), done=1, what="contacts")


@router.get("/account/privacy/export.json", name="account_privacy_export")
def export(session: SessionDep, user: UserDep) -> Response:
    """Download a copy of one's personal data (JSON)."""
    body = json.dumps(personal_data.export_personal_data(session, user_id=user.id), ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "Content-Disposition": "attachment; filename=\"zhengqi-personal-data.json\"; "
                               "filename*=UTF-8''%E4%B8%AA%E4%BA%BA%E4%BF%A1%E6%81%AF.json"})


@router.post("/account/privacy/erasure", name="account_privacy_erasure",
             dependencies=[Depends(csrf_protect), Depends(require_roles(*personal_data.REQUESTING_ROLES))])
def request_erasure(request: Request, session: SessionDep, user: UserDep,
                    reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Ask for the deletion of one's personal data."""
    try:
        personal_data.request_erasure(session, user_id=user.id, reason=reason)
    except DomainError as exc:
        return _page(request, session, user, errors={"reason": exc.message}, flash=exc.message,
                     status_code=exc.status_code, values={"reason": reason})
    return redirect_with(route_path(request, "account_privacy"), done=1, what="requested")


@router.get("/staff/privacy", name="staff_privacy")
def requests_page(request: Request, session: SessionDep, user: StaffDep, done: Marker = 0) -> Response:
    """Deletion requests: pending ones first, each carried out or refused with a reason."""
    return render(request, "staff/privacy.html", {
        "rows": personal_data.list_requests(session), "flash": "已处理。" if done else None})


@router.post("/staff/privacy/{request_id}/erase", name="staff_privacy_erase", dependencies=[Depends(csrf_protect)])
def erase(request: Request, session: SessionDep, user: StaffDep, request_id: RowId) -> Response:
    """Carry out a deletion request."""
    personal_data.erase(session, request_id=request_id, actor_id=user.id)
    return redirect_with(route_path(request, "staff_privacy"), done=1)


@router.post("/staff/privacy/{request_id}/reject", name="staff_privacy_reject", dependencies=[Depends(csrf_protect)])
def reject(request: Request, session: SessionDep, user: StaffDep, request_id: RowId,
           answer: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Refuse a deletion request, with the reason the person will read."""
    try:
        personal_data.reject(session, request_id=request_id, actor_id=user.id, answer=answer)
    except ValidationFailed as exc:
        return render(request, "staff/privacy.html", {
            "rows": personal_data.list_requests(session), "flash": exc.message, "flash_kind": "error",
            "error_for": request_id}, status_code=422)
    return redirect_with(route_path(request, "staff_privacy"), done=1)

"""个人中心 for every role, and an organisation administrator's colleague accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import FormDep, SessionDep, UserDep, csrf_protect, require_roles, unread_badge
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import redirect_with
from web.routes.params import Marker, RowId
from web.services.accounts import colleagues, profile
from web.services.errors import ValidationFailed

router = APIRouter(tags=["pages"], dependencies=[Depends(unread_badge)])
OrgMember = Annotated[object, Depends(require_roles("enterprise", "provider"))]


@router.get("/account", name="account")
def account_center(request: Request, session: SessionDep, user: UserDep, changed: Marker = 0) -> Response:
    """One's own account, organisation, open sessions and recent logins."""
    info = profile.overview(session, user_id=user.id)
    return render(request, "account/center.html", {
        "info": info, "logins": profile.recent_logins(session, username=user.username),
        "flash": "密码已修改，其他设备上的登录已全部退出。" if changed else None})


def _password_page(request: Request, *, errors: dict, status_code: int = 200) -> Response:
    return render(request, "account/password.html", {"errors": errors,
                                                     "flash": next(iter(errors.values()), None),
                                                     "flash_kind": "error"}, status_code=status_code)


@router.get("/account/password", name="account_password_form")
def password_form(request: Request, user: UserDep) -> Response:
    """The form to change one's password (required first after an admin's reset)."""
    return _password_page(request, errors={})


@router.post("/account/password", name="account_password", dependencies=[Depends(csrf_protect)])
def change_password(request: Request, session: SessionDep, user: UserDep, form: FormDep) -> Response:
    """Change one's password; every other session of the account ends."""
    try:
        profile.change_password(session, user_id=user.id, old_password=form.get("old_password", ""),
                                new_password=form.get("new_password", ""), confirm=form.get("confirm", ""),
                                keep_session_id=user.session_id)
    except ValidationFailed as exc:
        return _password_page(request, errors=exc.errors, status_code=422)
    return redirect_with(route_path(request, "account"), changed=1)


def _colleagues_page(request: Request, session: SessionDep, user: UserDep, *, values: dict | None = None,
                     errors: dict | None = None, invited: colleagues.Invitation | None = None,
                     flash: str | None = None, status_code: int = 200) -> Response:
    return render(request, "account/colleagues.html", {
        "people": colleagues.list_colleagues(session, actor_id=user.id), "values": values or {},
        "errors": errors or {}, "invited": invited, "flash": flash,
        "flash_kind": "error" if errors else "ok"}, status_code=status_code)


@router.get("/account/colleagues", name="account_colleagues")
def list_colleagues(request: Request, session: SessionDep, user: UserDep, _: OrgMember) -> Response:
    """The accounts of one's organisation (its administrator only)."""
    return _colleagues_page(request, session, user)


@router.post("/account/colleagues", name="account_colleague_invite", dependencies=[Depends(csrf_protect)])
def invite(request: Request, session: SessionDep, user: UserDep, _: OrgMember, form: FormDep) -> Response:
    """Open a colleague's account with a one-time password shown once."""
    try:
        invited = colleagues.invite_colleague(session, actor_id=user.id, username=form.get("username", ""),
                                              display_name=form.get("display_name", ""))
    except ValidationFailed as exc:
        return _colleagues_page(request, session, user, values=form, errors=exc.errors or {"username": exc.message},
                                flash=exc.message, status_code=422)
    return _colleagues_page(request, session, user, invited=invited,
                            flash=f"已为 {invited.user.username} 开通账号，请将一次性密码当面或电话告知本人。")


@router.post("/account/colleagues/{user_id}/active", name="account_colleague_active",
             dependencies=[Depends(csrf_protect)])
def set_active(request: Request, session: SessionDep, user: UserDep, _: OrgMember, user_id: RowId,
               form: FormDep) -> Response:
    """Disable or enable a colleague's account."""
    colleagues.set_colleague_active(session, actor_id=user.id, user_id=user_id, active=form.get("active") == "1")
    return redirect_with(route_path(request, "account_colleagues"))

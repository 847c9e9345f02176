"""用户管理 pages (系统管理员): list, create, edit, disable/enable, password reset, forced logout."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from models.user import ROLE_LABELS
from web.deps import CurrentUser, FormDep, SessionDep, csrf_protect, require_roles, unread_badge
from web.presentation.confirm import ConfirmDep, Question, ask
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import redirect_with
from web.routes.params import PageNumber, RowId, SearchText, StatusFilter
from web.security import throttle
from web.services.accounts import profile, sessions, users
from web.services.errors import DomainError, ValidationFailed

Admin = Annotated[CurrentUser, Depends(require_roles("admin"))]
router = APIRouter(tags=["pages"], dependencies=[Depends(require_roles("admin")), Depends(unread_badge)])
_ACTIVE = {"1": True, "0": False}
_FLASHES = {"created": "账号已开通。", "saved": "已保存。", "enabled": "已启用账号 {username}，该账号可以重新登录。",
            "disabled": "已停用账号 {username}，该账号已退出登录且不能再登录。", "logged_out": "已强制该账号退出所有登录。",
            "unlocked": "已解除该账号的登录失败限制。"}


def _list_page(request: Request, session: SessionDep, *, values: dict, errors: dict, role: str | None,
               q: str | None, active: str | None, page: int, flash: str | None = None,
               status_code: int = 200) -> Response:
    result = users.list_accounts(session, role=role or None, q=q or None, active=_ACTIVE.get(active or ""),
                                 page=page)
    limited = throttle.limited_usernames(session, [u.username for u, _ in result.items], now=datetime.now(UTC))
    return render(request, "admin/users.html", {
        "page": result, "limited": limited, "values": values, "errors": errors, "role_filter": role or "", "q": q or "",
        "active_filter": active or "", "flash": flash,
        "flash_kind": "error" if errors else "ok"}, status_code=status_code)


@router.get("/admin/users", name="admin_users")
def list_users(request: Request, session: SessionDep, user: Admin,
               role: StatusFilter = None,
               q: SearchText = None,
               active: Annotated[str | None, Query(max_length=1)] = None,
               page: PageNumber = 1,
               done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """All accounts, searched, filtered and paginated, with the form to open a new one."""
    return _list_page(request, session, values={}, errors={}, role=role, q=q, active=active, page=page,
                      flash=_FLASHES.get(done or ""))


@router.post("/admin/users", name="admin_user_create", dependencies=[Depends(csrf_protect)])
def create_user(request: Request, session: SessionDep, user: Admin, form: FormDep) -> Response:
    """Open a staff, official or admin account."""
    try:
        users.create_account(session, actor_id=user.id, username=form.get("username", ""),
                             password=form.get("password", ""), role=form.get("role", ""),
                             display_name=form.get("display_name", ""))
    except ValidationFailed as exc:
        errors = exc.errors or {"username": exc.message}
        values = {k: v for k, v in form.items() if k != "password"}
        return _list_page(request, session, values=values, errors=errors, role=None, q=None, active=None,
                          page=1, flash=exc.message, status_code=422)
    return redirect_with(route_path(request, "admin_users"), done="created")


def _detail_page(request: Request, session: SessionDep, user_id: RowId, *, errors: dict | None = None,
                 flash: str | None = None, flash_kind: str = "ok", one_time_password: str | None = None,
                 status_code: int = 200) -> Response:
    account, org = users.get_account(session, user_id=user_id)
    flash = flash.format(username=account.username) if flash else flash
    live = sessions.list_live(session, user_id=user_id, per_page=100)
    return render(request, "admin/user_detail.html", {
        "account": account, "org": org, "live": live.items, "errors": errors or {},
        "logins": profile.recent_logins(session, username=account.username, limit=20),
        "restricted_until": users.login_restricted_until(session, username=account.username),
        "one_time_password": one_time_password, "flash": flash, "flash_kind": flash_kind},
        status_code=status_code)


@router.get("/admin/users/{user_id}", name="admin_user_detail")
def user_detail(request: Request, session: SessionDep, user: Admin, user_id: RowId,
                done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """One account: edit form, live sessions, recent logins and the admin actions."""
    return _detail_page(request, session, user_id, flash=_FLASHES.get(done or ""))


@router.post("/admin/users/{user_id}", name="admin_user_update", dependencies=[Depends(csrf_protect)])
def update_user(request: Request, session: SessionDep, user: Admin, user_id: RowId, form: FormDep) -> Response:
    """Save an account's name and (for internal accounts) role."""
    try:
        users.update_account(session, actor_id=user.id, user_id=user_id,
                             display_name=form.get("display_name", ""), role=form.get("role") or None)
    except ValidationFailed as exc:
        return _detail_page(request, session, user_id, errors=exc.errors, flash=exc.message,
                            flash_kind="error", status_code=422)
    return redirect_with(route_path(request, "admin_user_detail", user_id=user_id), done="saved")


@router.post("/admin/users/{user_id}/active", name="admin_user_active", dependencies=[Depends(csrf_protect)])
def set_active(request: Request, session: SessionDep, user: Admin, user_id: RowId, form: FormDep,
               confirm: ConfirmDep) -> Response:
    """Enable or disable an account (disabling asks for a confirmation first and ends its sessions)."""
    active = form.get("active") == "1"
    if not active and not confirm.confirmed:
        target, _ = users.get_account(session, user_id=user_id)
        return ask(request, Question(
            title="停用账号", confirm_label="确认停用",
            cancel_url=route_path(request, "admin_user_detail", user_id=user_id),
            consequence="停用后该账号立即退出登录、不能再登录；需要时可由管理员重新启用。",
            details=(("用户名", target.username), ("姓名", target.display_name or "—"),
                     ("角色", ROLE_LABELS.get(target.role, target.role)))), confirm)
    try:
        users.set_active(session, actor_id=user.id, user_id=user_id, active=active)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _detail_page(request, session, user_id, flash=exc.message, flash_kind="error",
                            status_code=exc.status_code)
    return redirect_with(route_path(request, "admin_user_detail", user_id=user_id), done="enabled" if active else "disabled")


@router.post("/admin/users/{user_id}/password-reset", name="admin_user_password_reset",
             dependencies=[Depends(csrf_protect)])
def reset_password(request: Request, session: SessionDep, user: Admin, user_id: RowId) -> Response:
    """Give the account a one-time password, shown once on this page and never again."""
    password = users.reset_password(session, actor_id=user.id, user_id=user_id)
    return _detail_page(request, session, user_id, one_time_password=password,
                        flash="密码已重置，该账号的登录已全部退出；下次登录须先修改密码。")


@router.post("/admin/users/{user_id}/logout", name="admin_user_logout", dependencies=[Depends(csrf_protect)])
def force_logout(request: Request, session: SessionDep, user: Admin, user_id: RowId) -> Response:
    """End every session of the account."""
    sessions.force_logout_user(session, actor_id=user.id, user_id=user_id)
    return redirect_with(route_path(request, "admin_user_detail", user_id=user_id), done="logged_out")


@router.post("/admin/users/{user_id}/unlock", name="admin_user_unlock", dependencies=[Depends(csrf_protect)])
def unlock(request: Request, session: SessionDep, user: Admin, user_id: RowId) -> Response:
    """Clear the delays that failed logins put on the account."""
    users.unlock_login(session, actor_id=user.id, user_id=user_id)
    return redirect_with(route_path(request, "admin_user_detail", user_id=user_id), done="unlocked")

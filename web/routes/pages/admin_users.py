"""Account administration pages (系统管理员)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from models.user import ROLE_LABELS
from web.deps import CurrentUser, SessionDep, csrf_protect, require_roles, unread_badge
from web.presentation.confirm import ConfirmDep, Question, ask
from web.presentation.responses import render
from web.routes.pages.portal import FormDep
from web.routes.params import Marker, PageNumber, RowId
from web.security import throttle
from web.services.accounts import users
from web.services.errors import ValidationFailed

Admin = Annotated[CurrentUser, Depends(require_roles("admin"))]
router = APIRouter(tags=["pages"], dependencies=[Depends(require_roles("admin")), Depends(unread_badge)])


def _page(request: Request, session: SessionDep, *, values: dict, errors: dict, role: str | None,
          q: str | None, page: int, flash: str | None = None, status_code: int = 200) -> Response:
    result = users.list_accounts(session, role=role or None, q=q or None, page=page)
    limited = throttle.limited_usernames(session, [u.username for u, _ in result.items], now=datetime.now(UTC))
    return render(request, "admin/users.html", {
        "page": result, "limited": limited, "values": values, "errors": errors, "role_filter": role or "",
        "q": q or "",
        "flash": flash,
        "flash_kind": "error" if errors else "ok"}, status_code=status_code)


@router.get("/admin/users", name="admin_users")
def list_users(request: Request, session: SessionDep, user: Admin,
               role: Annotated[str | None, Query(max_length=16)] = None,
               q: Annotated[str | None, Query(max_length=50)] = None,
               page: PageNumber = 1, created: Marker = 0, unlocked: Marker = 0,
               enabled: Marker = 0, disabled: Marker = 0) -> Response:
    """All accounts, filtered and paginated, with the form to open a new one."""
    flash = "账号已开通。" if created else "登录限制已解除。" if unlocked else None
    if enabled or disabled:
        changed = users.get_account(session, user_id=enabled or disabled)
        flash = (f"已启用账号 {changed.username}，该账号可以重新登录。" if enabled
                 else f"已停用账号 {changed.username}，该账号已退出登录且不能再登录。")
    return _page(request, session, values={}, errors={}, role=role, q=q, page=page, flash=flash)


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
        return _page(request, session, values=values, errors=errors, role=None, q=None, page=1,
                     flash=exc.message, status_code=422)
    return RedirectResponse("/admin/users?created=1", status_code=303)


@router.post("/admin/users/{user_id}/active", name="admin_user_active", dependencies=[Depends(csrf_protect)])
def set_active(request: Request, session: SessionDep, user: Admin, user_id: RowId, form: FormDep,
               confirm: ConfirmDep) -> Response:
    """Enable or disable an account (disabling asks for a confirmation first)."""
    active = form.get("active") == "1"
    target = users.get_account(session, user_id=user_id)
    if not active and not confirm.confirmed:
        return ask(request, Question(
            title="停用账号", confirm_label="确认停用", cancel_url=request.url_for("admin_users").path,
            consequence="停用后该账号立即退出登录、不能再登录；需要时可由管理员重新启用。",
            details=(("用户名", target.username), ("姓名", target.display_name or "—"),
                     ("角色", ROLE_LABELS.get(target.role, target.role)))), confirm)
    users.set_active(session, actor_id=user.id, user_id=user_id, active=active)
    return RedirectResponse(f"/admin/users?{'enabled' if active else 'disabled'}={user_id}", status_code=303)


@router.post("/admin/users/{user_id}/unlock", name="admin_user_unlock", dependencies=[Depends(csrf_protect)])
def unlock(request: Request, session: SessionDep, user: Admin, user_id: RowId) -> Response:
    """Clear the failed-login delays on an account."""
    users.unlock_login(session, actor_id=user.id, user_id=user_id)
    return RedirectResponse("/admin/users?unlocked=1", status_code=303)

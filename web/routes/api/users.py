"""JSON API: account administration (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from web.deps import CurrentUser, SessionDep, csrf_protect, require_roles
from web.routes.api.schemas import PageOut, page_out
from web.routes.params import PageNumber, PerPage, RowId, SearchText, StatusFilter
from web.services.accounts import users

router = APIRouter(prefix="/api/v1/users", tags=["账号管理"])
Admin = Annotated[CurrentUser, Depends(require_roles("admin"))]


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    org_id: int | None
    organisation: str | None = None
    is_active: bool
    last_login_at: datetime | None


class UserIn(BaseModel):
    username: str = Field(default="", max_length=1000)
    password: str = Field(default="", max_length=1000)
    role: str = Field(default="", max_length=100, description="staff | official | admin")
    display_name: str = Field(default="", max_length=1000)


class UserPatch(BaseModel):
    is_active: bool


def _out(user: Any, org_name: str | None = None) -> UserOut:
    return UserOut(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                   org_id=user.org_id, organisation=org_name, is_active=user.is_active,
                   last_login_at=user.last_login_at)


@router.get("", response_model=PageOut[UserOut], summary="账号列表")
def list_users(session: SessionDep, user: Admin,
               role: StatusFilter = None,
               q: SearchText = None,
               page: PageNumber = 1,
               per_page: PerPage = 20) -> dict[str, Any]:
    """All accounts, filtered by role and keyword, paginated."""
    result = users.list_accounts(session, role=role, q=q, page=page, per_page=per_page)
    return page_out(result, [_out(u, name) for u, name in result.items])


@router.post("", response_model=UserOut, status_code=201, summary="开通账号",
             dependencies=[Depends(csrf_protect)])
def create_user(session: SessionDep, user: Admin, body: UserIn) -> UserOut:
    """Open a staff, official or admin account."""
    return _out(users.create_account(session, actor_id=user.id, username=body.username,
                                     password=body.password, role=body.role,
                                     display_name=body.display_name))


@router.patch("/{user_id}", response_model=UserOut, summary="启用或停用账号",
              dependencies=[Depends(csrf_protect)])
def patch_user(session: SessionDep, user: Admin, user_id: RowId, body: UserPatch) -> UserOut:
    """Enable or disable an account."""
    return _out(users.set_active(session, actor_id=user.id, user_id=user_id, active=body.is_active))


@router.post("/{user_id}/unlock", response_model=UserOut, summary="解除登录限制",
             dependencies=[Depends(csrf_protect)])
def unlock_user(session: SessionDep, user: Admin, user_id: RowId) -> UserOut:
    """Clear the failed-login delays counted against an account."""
    return _out(users.unlock_login(session, actor_id=user.id, user_id=user_id))

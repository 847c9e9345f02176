"""Account administration: staff, official and admin accounts are created here only."""

from __future__ import annotations

from sqlmodel import Session, col, func, or_, select

from models import Organisation, User
from web.services import audit
from web.services.accounts import auth
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.paging import Page

ADMIN_CREATABLE = ("staff", "official", "admin")


def create_account(session: Session, *, actor_id: int | None, username: str, password: str, role: str,
                   display_name: str = "") -> User:
    """Open a staff, official or admin account (never enterprise/provider: they register). Commits.

    ``actor_id`` is None for the command line (``zhengqi createadmin``).
    """
    if role not in ADMIN_CREATABLE:
        raise ValidationFailed("只能开通服务专员、领导或管理员账号", field="role")
    if len(display_name.strip()) > 50:
        raise ValidationFailed("姓名不能超过50个字", field="display_name")
    user = auth.create_user(session, username=username, password=password, role=role,
                                display_name=display_name.strip())
    audit.record(session, actor_id=actor_id, action="user.create", object_type="user",
                 object_id=user.id, detail={"role": role, "username": user.username})
    session.commit()
    return user


def set_active(session: Session, *, actor_id: int, user_id: int, active: bool) -> User:
    """Enable or disable an account; a disabled account's sessions stop working at once. Commits."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该账号")
    if user.id == actor_id and not active:
        raise Conflict("不能停用自己的账号")
    user.is_active = active
    session.add(user)
    audit.record(session, actor_id=actor_id, action="user.enable" if active else "user.disable",
                 object_type="user", object_id=user.id)
    session.commit()
    return user


def list_accounts(session: Session, *, role: str | None = None, q: str | None = None,
                  page: int = 1, per_page: int = 20) -> Page:
    """One page of accounts with their organisation's name, newest first."""
    stmt = select(User, Organisation.name).join(Organisation, col(Organisation.id) == User.org_id,
                                                isouter=True)
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        like = f"%{q.strip()[:50]}%"
        stmt = stmt.where(or_(col(User.username).like(like), col(User.display_name).like(like)))
    per_page, page = max(1, min(per_page, 100)), max(1, page)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(User.id).desc()).offset((page - 1) * per_page).limit(per_page)).all()
    return Page(items=[tuple(r) for r in rows], total=total, page=page, per_page=per_page)

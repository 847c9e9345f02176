"""Account administration (用户管理): staff, official and admin accounts are created here only;
admins edit, disable and enable any account and reset passwords."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

from sqlmodel import Session, col, func, or_, select

from models import LoginThrottle, Organisation, User
from web.security import throttle
from web.security.passwords import check_password
from web.services import audit
from web.services.accounts import auth, sessions
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.paging import Page, paginate

ADMIN_CREATABLE = ("staff", "official", "admin")
# No 0/O, 1/l/I: a one-time password is read off a screen and typed in by hand.
_OTP_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def one_time_password(username: str = "", length: int = 12) -> str:
    """A random password that passes the policy, to be changed at first login."""
    while True:
        candidate = "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length))
        try:
            check_password(candidate, username=username)
        except ValidationFailed:
            continue
        return candidate


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该账号")
    return user


def _check_display_name(display_name: str) -> str:
    if len(display_name.strip()) > 50:
        raise ValidationFailed("姓名不能超过50个字", field="display_name")
    return display_name.strip()


def create_account(session: Session, *, actor_id: int | None, username: str, password: str, role: str,
                   display_name: str = "") -> User:
    """Open a staff, official or admin account (never enterprise/provider: they register). Commits.

    ``actor_id`` is None for the command line (``zhengqi createadmin``).
    """
    if role not in ADMIN_CREATABLE:
        raise ValidationFailed("只能开通服务专员、领导或管理员账号", field="role")
    user = auth.create_user(session, username=username, password=password, role=role,
                            display_name=_check_display_name(display_name))
    audit.record(session, actor_id=actor_id, action="user.create", object_type="user",
                 object_id=user.id, detail={"role": role, "username": user.username})
    session.commit()
    return user


def _is_last_active_admin(session: Session, user: User) -> bool:
    if user.role != "admin" or not user.is_active:
        return False
    others = session.exec(select(func.count()).select_from(User).where(
        User.role == "admin", col(User.is_active).is_(True), User.id != user.id)).one()
    return others == 0


def update_account(session: Session, *, actor_id: int, user_id: int, display_name: str,
                   role: str | None = None) -> User:
    """Change an account's name, and the role of a staff, official or admin account. Commits."""
    user = _get(session, user_id)
    changes: dict[str, list[str]] = {}
    name = _check_display_name(display_name) or user.username
    if name != user.display_name:
        changes["display_name"] = [user.display_name, name]
        user.display_name = name
    if role and role != user.role:
        if user.role not in ADMIN_CREATABLE or role not in ADMIN_CREATABLE:
            raise ValidationFailed("企业与服务机构账号的角色不能更改；内部账号只能在服务专员、领导、管理员之间调整",
                                   field="role")
        if _is_last_active_admin(session, user):
            raise Conflict("这是最后一个启用的管理员账号，不能改为其他角色")
        changes["role"] = [user.role, role]
        user.role = role
    if changes:
        session.add(user)
        audit.record(session, actor_id=actor_id, action="user.update", object_type="user",
                     object_id=user.id, detail={k: f"{a} → {b}" for k, (a, b) in changes.items()})
        if "role" in changes:  # new permissions take effect on the next login, not mid-session
            sessions.end_user_sessions(session, user_id=user.id)
        session.commit()
    return user


def set_active(session: Session, *, actor_id: int, user_id: int, active: bool) -> User:
    """Enable or disable an account; disabling ends its sessions at once. Commits."""
    user = _get(session, user_id)
    if user.id == actor_id and not active:
        raise Conflict("不能停用自己的账号")
    if not active and _is_last_active_admin(session, user):
        raise Conflict("这是最后一个启用的管理员账号，不能停用")
    if user.is_active == active:
        return user
    user.is_active = active
    session.add(user)
    ended = 0 if active else sessions.end_user_sessions(session, user_id=user.id)
    audit.record(session, actor_id=actor_id, action="user.enable" if active else "user.disable",
                 object_type="user", object_id=user.id, detail={"ended_sessions": ended} if ended else None)
    session.commit()
    return user


def reset_password(session: Session, *, actor_id: int, user_id: int) -> str:
    """Give an account a one-time password that must be changed at next login; its sessions end.
    Commits; returns the one-time password (shown once to the admin, never stored in clear)."""
    user = _get(session, user_id)
    password = one_time_password(user.username)
    user.password_hash = auth.hash_password(password)
    user.must_change_password = True
    session.add(user)
    sessions.end_user_sessions(session, user_id=user.id)
    audit.record(session, actor_id=actor_id, action="user.password_reset", object_type="user",
                 object_id=user.id)
    session.commit()
    return password


def list_accounts(session: Session, *, role: str | None = None, q: str | None = None,
                  active: bool | None = None, org_id: int | None = None,
                  page: int = 1, per_page: int = 20) -> Page:
    """One page of accounts with their organisation's name, newest first."""
    stmt = select(User, Organisation.name).join(Organisation, col(Organisation.id) == User.org_id,
                                                isouter=True)
    if role:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(col(User.is_active).is_(active))
    if org_id is not None:
        stmt = stmt.where(User.org_id == org_id)
    if q and q.strip():
        like = f"%{q.strip()[:50]}%"
        stmt = stmt.where(or_(col(User.username).ilike(like), col(User.display_name).ilike(like),
                              col(Organisation.name).ilike(like)))
    result = paginate(session, stmt.order_by(col(User.id).desc()), page=page, per_page=per_page)
    return Page([tuple(r) for r in result.items], result.total, result.page, result.per_page)


def get_account(session: Session, *, user_id: int) -> tuple[User, Organisation | None]:
    """One account and its organisation."""
    user = _get(session, user_id)
    return user, session.get(Organisation, user.org_id) if user.org_id else None


def login_restricted_until(session: Session, *, username: str, now: datetime | None = None) -> datetime | None:
    """Until when failed logins hold this account back (web.security.throttle), or None."""
    now = now or datetime.now(UTC)
    name = username.strip().lower()
    waits = session.exec(select(LoginThrottle.next_allowed_at).where(
        or_(col(LoginThrottle.key) == f"{throttle.ACCOUNT.prefix}:{name}",
            col(LoginThrottle.key).startswith(f"{throttle.PAIR.prefix}:{name}|", autoescape=True)),
        col(LoginThrottle.next_allowed_at) > now)).all()
    return max(waits) if waits else None


def unlock_login(session: Session, *, actor_id: int, user_id: int) -> User:
    """Clear the failed-login delays counted against an account (解除登录限制). Commits."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该账号")
    cleared = throttle.clear_account(session, username=user.username)
    audit.record(session, actor_id=actor_id, action="user.unlock", object_type="user",
                 object_id=user.id, detail={"username": user.username, "counters": cleared})
    session.commit()
    return user

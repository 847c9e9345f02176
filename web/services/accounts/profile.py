"""个人中心: one's own account and organisation, password change, recent logins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, func, select

from models import LoginAttempt, Organisation, User
from web.security.passwords import check_password
from web.services import audit
from web.services.accounts import auth, sessions
from web.services.errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class Overview:
    user: User
    org: Organisation | None
    live_sessions: int


def overview(session: Session, *, user_id: int) -> Overview:
    """The account, its organisation and how many sessions it has open."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该账号")
    org = session.get(Organisation, user.org_id) if user.org_id else None
    return Overview(user, org, sessions.count_live(session, user_id=user_id))


def recent_logins(session: Session, *, username: str, limit: int = 10) -> list[LoginAttempt]:
    """The latest login attempts made with this username, successful or not."""
    return list(session.exec(select(LoginAttempt)
                             .where(func.lower(LoginAttempt.username) == username.lower())
                             .order_by(col(LoginAttempt.created_at).desc(), col(LoginAttempt.id).desc())
                             .limit(limit)).all())


def change_password(session: Session, *, user_id: int, old_password: str, new_password: str,
                    confirm: str, keep_session_id: str | None) -> int:
    """Replace one's password (the old one required) and end every other session. Commits;
    returns how many other sessions ended."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该账号")
    errors: dict[str, str] = {}
    if not auth.verify_password(user.password_hash, old_password):
        errors["old_password"] = "原密码不正确"
    try:
        check_password(new_password, username=user.username)
    except ValidationFailed as exc:
        errors["new_password"] = exc.message
    if "new_password" not in errors and new_password == old_password:
        errors["new_password"] = "新密码不能与原密码相同"
    if new_password != confirm:
        errors["confirm"] = "两次输入的新密码不一致"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    user.password_hash = auth.hash_password(new_password)
    user.password_changed_at = datetime.now(UTC)
    user.must_change_password = False
    session.add(user)
    ended = sessions.end_user_sessions(session, user_id=user_id, except_id=keep_session_id)
    audit.record(session, actor_id=user_id, action="user.password_change", object_type="user",
                 object_id=user_id, detail={"ended_sessions": ended})
    session.commit()
    return ended

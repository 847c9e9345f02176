"""Accounts: password hashing, login with throttling, server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from models import LoginAttempt, User, UserSession
from models.user import Role
from web.security.passwords import check_password
from web.services.errors import NotAuthenticated, TooManyAttempts, ValidationFailed

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs as long as a hit
# and response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("zhengqi-timing-equaliser")

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session, *, username: str, password: str, role: Role | str, display_name: str = "",
    org_id: int | None = None, is_demo: bool = False, check_strength: bool = True,
    is_org_admin: bool = False, must_change_password: bool = False,
) -> User:
    """Add a user (flushes; the caller's action commits)."""
    username = username.strip()
    if not (3 <= len(username) <= 50) or not username.replace("-", "").replace("_", "").isalnum():
        raise ValidationFailed("用户名为3–50位字母、数字、下划线或连字符", field="username")
    if check_strength:
        check_password(password, username=username)
    if session.exec(select(User).where(func.lower(User.username) == username.lower())).first():
        raise ValidationFailed("该用户名已被使用", field="username")
    user = User(username=username, password_hash=hash_password(password), role=str(Role(role)),
                display_name=display_name or username, org_id=org_id, is_demo=is_demo,
                is_org_admin=is_org_admin, must_change_password=must_change_password,
                password_changed_at=datetime.now(UTC))
    session.add(user)
    session.flush()
    return user


def _recent_failures(session: Session, username: str, since: datetime) -> int:
    stmt = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username.lower(), col(LoginAttempt.success).is_(False),
        LoginAttempt.created_at >= since,
    )
    return session.exec(stmt).one()


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str  # goes in the cookie; only its hash is stored
    csrf_token: str


def login(
    session: Session, *, username: str, password: str, ip: str = "", user_agent: str = "",
    session_hours: int = 12, max_failures: int = 5, window_minutes: int = 15,
) -> LoginResult:
    """Check the password, throttle repeated failures, and open a server-side session."""
    now = datetime.now(UTC)
    key = username.strip().lower()
    if _recent_failures(session, key, now - timedelta(minutes=window_minutes)) >= max_failures:
        raise TooManyAttempts(f"登录失败次数过多，请{window_minutes}分钟后再试")
    user = session.exec(select(User).where(func.lower(User.username) == key)).first()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(username=key[:50], ip=ip[:64], user_agent=user_agent[:300], success=ok))
    if not ok:
        session.commit()  # the failed attempt must count even though login fails
        raise NotAuthenticated("用户名或密码错误")
    assert user is not None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(UserSession(id=_token_hash(token), user_id=user.id, csrf_token=csrf,
                            expires_at=now + timedelta(hours=session_hours), last_seen_at=now,
                            ip=ip[:64], user_agent=user_agent[:300]))
    user.last_login_at = now
    session.add(user)
    session.commit()
    return LoginResult(user=user, token=token, csrf_token=csrf)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_for_token(session: Session, token: str | None) -> tuple[User, UserSession] | None:
    """The live session and its user for a cookie token, or None."""
    if not token:
        return None
    row = session.get(UserSession, _token_hash(token))
    if row is None or row.revoked_at is not None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, row


def logout(session: Session, *, token: str | None) -> None:
    """End the session for good: the cookie stops working even if replayed."""
    if not token:
        return
    row = session.get(UserSession, _token_hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        session.commit()

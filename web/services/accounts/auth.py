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
from web.security import throttle
from web.security.passwords import check_password
from web.services import audit
from web.services.errors import NotAuthenticated, ValidationFailed

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


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str  # goes in the cookie; only its hash is stored
    csrf_token: str


class AccountDisabled(NotAuthenticated):
    status_code = 403
    default_message = "该账号已停用，请联系系统管理员"


def login(
    session: Session, *, username: str, password: str, ip: str = "", user_agent: str = "",
    session_hours: int = 12, now: datetime | None = None, replaces: str | None = None,
) -> LoginResult:
    """Check the password under throttling (web.security.throttle) and open a server-side session.

    Commits: the attempt is counted before the password is checked, so a failure counts
    even though the login fails. A disabled account is told so, but only after the right
    password, so the message reveals nothing to a guesser. ``replaces`` is the cookie token
    of a session this browser already had: it ends, so a fixed or stolen one dies here.
    """
    now = now or datetime.now(UTC)
    key = username.strip().lower()
    try:
        throttle.reserve_attempt(session, username=key, ip=ip, now=now)
    except throttle.LoginThrottled as exc:
        _security_audit(session, "auth.login_throttled", None, key, ip, wait_seconds=exc.wait_seconds)
        session.commit()
        raise
    user = session.exec(select(User).where(func.lower(User.username) == key)).first()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    if not ok or user is None:
        session.add(LoginAttempt(username=key[:50], ip=ip[:64], user_agent=user_agent[:300], success=False,
                                 created_at=now))
        _security_audit(session, "auth.login_failed", user.id if user else None, key, ip)
        session.commit()
        raise NotAuthenticated("用户名或密码错误")
    throttle.attempt_succeeded(session, username=key, ip=ip, now=now)
    if not user.is_active:
        session.add(LoginAttempt(username=key[:50], ip=ip[:64], user_agent=user_agent[:300], success=False,
                                 created_at=now))
        _security_audit(session, "auth.login_disabled", user.id, key, ip)
        session.commit()
        raise AccountDisabled()
    session.add(LoginAttempt(username=key[:50], ip=ip[:64], user_agent=user_agent[:300], success=True,
                             created_at=now))
    _security_audit(session, "auth.login", user.id, key, ip)
    old = session.get(UserSession, _token_hash(replaces)) if replaces else None
    if old is not None and old.revoked_at is None:
        old.revoked_at = now
        session.add(old)
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
    # One query for both rows: this runs on every request of a logged-in user.
    found = session.exec(select(User, UserSession).join(UserSession, col(UserSession.user_id) == User.id)
                         .where(UserSession.id == _token_hash(token))).first()
    if found is None:
        return None
    user, row = found
    if row.revoked_at is not None or row.expires_at <= datetime.now(UTC) or not user.is_active:
        return None
    return user, row


def logout(session: Session, *, token: str | None, ip: str = "") -> None:
    """End the session for good: the cookie stops working even if replayed."""
    if not token:
        return
    row = session.get(UserSession, _token_hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        user = session.get(User, row.user_id)
        _security_audit(session, "auth.logout", row.user_id, user.username if user else "", ip)
        session.commit()


def _security_audit(session: Session, action: str, user_id: int | None, username: str, ip: str,
                    **detail: object) -> None:
    """Logins, failures, throttling and logouts in the audit log (等保 安全审计; flushes)."""
    audit.record(session, actor_id=user_id, action=action, object_type="user", object_id=user_id,
                 detail={"username": username[:50], "ip": ip[:64], **detail})

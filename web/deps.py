"""FastAPI dependencies: database session, current user, roles and CSRF."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlmodel import Session

from models import User
from models.db import read_engine
from web.services.accounts import auth, sessions
from web.services.errors import Forbidden, NotAuthenticated, PasswordChangeRequired
from web.settings import Settings

SESSION_COOKIE = "zq_session"
ANON_CSRF_COOKIE = "zq_csrf"  # double-submit token for forms shown before login
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_session(request: Request) -> Iterator[Session]:
    # GET pages only read: a deferred transaction never blocks SQLite writers.
    # Other methods take the write lock up front (models.db) so writers queue, not fail.
    engine = request.app.state.engine
    if request.method not in UNSAFE_METHODS:
        engine = read_engine(engine)
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def set_session_cookie(response: Response, request: Request, settings: Settings, token: str) -> None:
    """Put a new session's token in the cookie: HttpOnly, SameSite, Secure over HTTPS."""
    secure = settings.cookie_secure if settings.cookie_secure is not None else request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure,
                        max_age=settings.session_hours * 3600)


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: str
    org_id: int | None
    csrf_token: str
    session_id: str = ""  # the stored id (a hash) of this login session
    must_change_password: bool = False
    is_org_admin: bool = False


def current_user_optional(request: Request, session: SessionDep) -> CurrentUser | None:
    """The logged-in user, or None; cached on request.state for templates."""
    if hasattr(request.state, "user"):
        return request.state.user
    found = auth.session_for_token(session, request.cookies.get(SESSION_COOKIE))
    user: CurrentUser | None = None
    if found is not None:
        u, s = found
        assert u.id is not None
        user = CurrentUser(id=u.id, username=u.username, display_name=u.display_name,
                           role=u.role, org_id=u.org_id, csrf_token=s.csrf_token, session_id=s.id,
                           must_change_password=u.must_change_password, is_org_admin=u.is_org_admin)
        if request.method not in UNSAFE_METHODS and sessions.needs_touch(s):
            # Its own short write: a GET's session only reads (see get_session). A POST is
            # skipped: its session holds SQLite's write lock, and the redirect's GET follows.
            with Session(request.app.state.engine) as writer:
                sessions.touch(writer, session_id=s.id)
    request.state.user = user
    return user


OptionalUserDep = Annotated[CurrentUser | None, Depends(current_user_optional)]


# Where an account holding a one-time password may still go: the form that replaces it.
PASSWORD_CHANGE_PATHS = frozenset({"/account/password", "/logout"})


def current_user(request: Request, user: OptionalUserDep) -> CurrentUser:
    if user is None:
        raise NotAuthenticated()
    if user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired()
    return user


UserDep = Annotated[CurrentUser, Depends(current_user)]


def require_roles(*roles: str) -> Callable[[CurrentUser], CurrentUser]:
    """Dependency factory: the current user, if their role is one of ``roles``."""

    def dependency(user: UserDep) -> CurrentUser:
        if user.role not in roles:
            raise Forbidden()
        return user

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the permission-matrix test
    return dependency


async def csrf_protect(request: Request, user: OptionalUserDep) -> None:
    """Reject a state-changing request without the CSRF token of its session."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    # The session's token, or the double-submit cookie of a form rendered before the
    # session existed (a login page left open in another tab, say).
    candidates = [t for t in (user.csrf_token if user else None,
                              request.cookies.get(ANON_CSRF_COOKIE)) if t]
    if not sent or not any(hmac.compare_digest(sent, t) for t in candidates):
        raise Forbidden("页面已过期或请求来源无法验证（CSRF 校验失败），请刷新页面后重试")


def user_model(session: Session, user: CurrentUser) -> User:
    found = session.get(User, user.id)
    if found is None:
        raise NotAuthenticated()
    return found


def unread_badge(request: Request, session: SessionDep, user: OptionalUserDep) -> None:
    """Put the unread count on request.state for the navigation badge (page routers)."""
    if user is not None:
        from web.services import notifications

        request.state.unread = notifications.unread_count(session, user_id=user.id, org_id=user.org_id)

"""FastAPI dependencies: database session, current user, roles and CSRF."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlmodel import Session

from models import User
from models.db import read_engine
from web.presentation.paths import route_path
from web.presentation.times import today
from web.security.origin import from_own_site
from web.security.request_session import SCOPE_KEY as REQUEST_SESSION
from web.services import notifications
from web.services.accounts import auth, sessions
from web.services.errors import Forbidden, NotAuthenticated, PasswordChangeRequired
from web.services.matching.index import IndexHolder
from web.settings import Settings

SESSION_COOKIE = "zq_session"
ANON_CSRF_COOKIE = "zq_csrf"  # double-submit token for forms shown before login
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session. Async: opening a session does no I/O (its first query does, in
    the handler's thread), and a sync generator would cost two thread hand-overs per request."""
    # A write sent with an idempotency key already has its session: the middleware commits
    # it together with the stored answer (web.security.idempotency).
    shared = request.scope.get(REQUEST_SESSION)
    if shared is not None:
        yield shared
        return
    # GET pages only read: a deferred transaction never blocks SQLite writers.
    # Other methods take the write lock up front (models.db) so writers queue, not fail.
    engine = request.app.state.engine
    if request.method not in UNSAFE_METHODS:
        engine = read_engine(engine)
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# Dependencies that do no I/O are async: FastAPI runs a sync one in the thread pool, a
# hand-over that costs more than the function itself on every request.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def form_data(request: Request) -> dict[str, str]:
    """The submitted form as plain strings (files are ignored)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_data)]


async def get_today(settings: SettingsDep) -> date:
    """Today in the platform's zone, not the server's: the date every page and action counts from."""
    return today(settings.tz)


TodayDep = Annotated[date, Depends(get_today)]


async def get_index(request: Request) -> IndexHolder:
    """This worker's match index, carrying the platform's match settings (threshold, top-k)."""
    return request.app.state.index


IndexDep = Annotated[IndexHolder, Depends(get_index)]


async def get_engine(request: Request) -> Engine:
    """The app's engine, for services that open their own short sessions (the job runner)."""
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def set_session_cookie(response: Response, request: Request, settings: Settings, token: str) -> None:
    """Put a new session's token in the cookie: HttpOnly, SameSite, Secure over HTTPS.

    The anonymous CSRF cookie is replaced at the same time, so a value planted before
    login does not outlive it.
    """
    secure = settings.cookie_secure if settings.cookie_secure is not None else request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure,
                        max_age=settings.session_hours * 3600)
    response.set_cookie(ANON_CSRF_COOKIE, secrets.token_urlsafe(32), httponly=True, samesite="lax",
                        secure=secure)


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


def lookup_user(request: Request, reader: Session | None = None) -> CurrentUser | None:
    """The logged-in user, or None, from the session cookie; cached on request.state, with
    the unread count of the navigation badge when the request is a page.

    ``reader`` must only read; without it a read-only session of its own is used. Never a
    write's session: that takes SQLite's write lock at its first query, which should come
    from the handler, not from this lookup (else every write holds the lock from its first
    dependency to its commit). Sync: call it in a worker thread."""
    if hasattr(request.state, "user"):
        return request.state.user
    if reader is None:
        with Session(read_engine(request.app.state.engine)) as own:
            return lookup_user(request, own)
    found = auth.session_for_token(reader, request.cookies.get(SESSION_COOKIE))
    user: CurrentUser | None = None
    if found is not None:
        u, s = found
        assert u.id is not None
        user = CurrentUser(id=u.id, username=u.username, display_name=u.display_name,
                           role=u.role, org_id=u.org_id, csrf_token=s.csrf_token, session_id=s.id,
                           must_change_password=u.must_change_password, is_org_admin=u.is_org_admin)
        if request.method not in UNSAFE_METHODS and sessions.needs_touch(s):
            # Its own short write: a GET's session only reads (see get_session). A POST is
            # skipped: it is a write of its own, and the redirect's GET follows.
            with Session(request.app.state.engine) as writer:
                sessions.touch(writer, session_id=s.id)
        if request.method == "GET" and not request.url.path.startswith("/api/"):
            _count_unread(request, reader, user)  # a page: its badge, in the same hand-over
    request.state.user = user
    return user


async def current_user_optional(request: Request, session: SessionDep) -> CurrentUser | None:
    """The logged-in user, or None: one thread hand-over, on the request's own session when
    it only reads (one pooled connection per request), on a read-only one for a write."""
    if hasattr(request.state, "user"):
        return request.state.user
    return await run_in_threadpool(lookup_user, request, session if request.method not in UNSAFE_METHODS else None)


OptionalUserDep = Annotated[CurrentUser | None, Depends(current_user_optional)]


# Where an account holding a one-time password may still go: the form that replaces it.
PASSWORD_CHANGE_ROUTES = ("account_password_form", "logout")


async def current_user(request: Request, user: OptionalUserDep) -> CurrentUser:
    if user is None:
        raise NotAuthenticated()
    if user.must_change_password and request.url.path not in {
            route_path(request, name) for name in PASSWORD_CHANGE_ROUTES}:
        raise PasswordChangeRequired()
    return user


UserDep = Annotated[CurrentUser, Depends(current_user)]


def require_roles(*roles: str) -> Callable[[CurrentUser], CurrentUser]:
    """Dependency factory: the current user, if their role is one of ``roles``."""

    async def dependency(user: UserDep) -> CurrentUser:
        if user.role not in roles:
            raise Forbidden()
        return user

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the permission-matrix test
    return dependency


async def csrf_protect(request: Request, user: OptionalUserDep) -> None:
    """Reject a state-changing request from another site or without its CSRF token.

    A logged-in request must carry its own session's token, nothing else: the anonymous
    double-submit cookie can be planted from a sibling host (cookie tossing), so it only
    vouches for forms shown before login (login and registration), which Origin/Referer
    checking covers as well.
    """
    if request.method not in UNSAFE_METHODS:
        return
    if not from_own_site(request):
        raise Forbidden("请求来源不是本平台页面（Origin/Referer 校验失败），已拒绝")
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = user.csrf_token if user else request.cookies.get(ANON_CSRF_COOKIE)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("页面已过期或请求来源无法验证（CSRF 校验失败），请刷新页面后重试")


def user_model(session: Session, user: CurrentUser) -> User:
    found = session.get(User, user.id)
    if found is None:
        raise NotAuthenticated()
    return found


def _count_unread(request: Request, reader: Session, user: CurrentUser) -> None:
    held = notifications.held_after(reader, user_id=user.id, tz=request.app.state.settings.tz)
    request.state.unread = notifications.unread_count(reader, user_id=user.id, org_id=user.org_id, held=held)


async def unread_badge(request: Request, user: OptionalUserDep) -> None:
    """Put the unread count on request.state for the navigation badge (page routers). A GET
    page's user lookup counted it already; otherwise (a form re-shown after a POST) now."""
    if user is not None and not hasattr(request.state, "unread"):
        def count() -> None:
            with Session(read_engine(request.app.state.engine)) as reader:
                _count_unread(request, reader, user)

        await run_in_threadpool(count)

"""Login and logout pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import (
    SESSION_COOKIE,
    SessionDep,
    SettingsDep,
    csrf_protect,
    current_user_optional,
    set_session_cookie,
)
from web.presentation.navigation import home_path
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.services.accounts import auth
from web.services.errors import NotAuthenticated, TooManyAttempts

router = APIRouter(tags=["pages"])


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


# Knowing who is logged in puts the session's CSRF token in the form (the only one a
# logged-in POST is accepted with).
@router.get("/login", name="login_form", dependencies=[Depends(current_user_optional)])
def login_form(request: Request, next: str | None = None) -> Response:
    """Show the login form."""
    return render(request, "auth/login.html", {"next": next})


@router.post("/login", name="login", dependencies=[Depends(csrf_protect)])
def login(
    request: Request, session: SessionDep, settings: SettingsDep,
    username: Annotated[str, Form(max_length=50)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Check the credentials and open a server-side session."""
    try:
        result = auth.login(
            session, username=username, password=password,
            ip=request.client.host if request.client else "", replaces=request.cookies.get(SESSION_COOKIE),
            user_agent=request.headers.get("user-agent", ""),
            session_hours=settings.session_hours,
        )
    except (NotAuthenticated, TooManyAttempts) as exc:
        return render(
            request, "auth/login.html",
            {"error": exc.message, "username": username, "next": next},
            status_code=exc.status_code,
        )
    if result.user.must_change_password:
        target = route_path(request, "account_password_form")
    else:
        target = _safe_next(next) or home_path(request, result.user.role)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, settings, result.token)
    return response


@router.post("/logout", name="logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request, session: SessionDep) -> Response:
    """End the session on the server and drop the cookie."""
    auth.logout(session, token=request.cookies.get(SESSION_COOKIE),
                ip=request.client.host if request.client else "")
    response = RedirectResponse(route_path(request, "home"), status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response

"""Self-registration of an enterprise or a service provider with its first user."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import (
    SESSION_COOKIE,
    FormDep,
    SessionDep,
    SettingsDep,
    csrf_protect,
    current_user_optional,
    set_session_cookie,
)
from web.presentation.navigation import home_path
from web.presentation.responses import render
from web.services.accounts import auth
from web.services.errors import ValidationFailed
from web.services.organisations import records

router = APIRouter(tags=["pages"])


# Knowing who is logged in puts the session's CSRF token in the form (the only one a
# logged-in POST is accepted with).
@router.get("/register", name="register_form", dependencies=[Depends(current_user_optional)])
def register_form(request: Request, kind: str | None = None) -> Response:
    """Show the registration form (kind=enterprise|provider preselects the type)."""
    values = {"kind": kind} if kind == "enterprise" else {}
    return render(request, "account/register.html", {"values": values, "errors": {}})


@router.post("/register", name="register", dependencies=[Depends(csrf_protect)])
def register(request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    """Create the organisation and its first user, then log that user in."""
    try:
        reg = records.register_organisation(session, **form)
    except ValidationFailed as exc:
        values = {k: v for k, v in form.items() if "password" not in k}
        return render(request, "account/register.html", {"values": values, "errors": exc.errors},
                      status_code=422)
    result = auth.login(session, username=reg.user.username, password=form.get("password", ""),
                            ip=request.client.host if request.client else "", replaces=request.cookies.get(SESSION_COOKIE),
                            user_agent=request.headers.get("user-agent", ""),
                            session_hours=settings.session_hours)
    response = RedirectResponse(home_path(request, result.user.role) + "?welcome=1", status_code=303)
    set_session_cookie(response, request, settings, result.token)
    return response

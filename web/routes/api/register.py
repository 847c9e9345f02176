"""JSON API: self-registration of an enterprise or a service provider, and the CSRF token.

The same service and validation as the /register page. Before login the CSRF check is
the double-submit one: send the ``zq_csrf`` cookie back with its value in X-CSRF-Token
(``GET /api/v1/csrf-token`` tells a client the value; other sites cannot read it).
Only enterprise and provider accounts come into being here; a ``role`` field is refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from web.deps import (
    ANON_CSRF_COOKIE,
    SESSION_COOKIE,
    OptionalUserDep,
    SessionDep,
    SettingsDep,
    csrf_protect,
    set_session_cookie,
)
from web.services.accounts import auth
from web.services.organisations import records

router = APIRouter(prefix="/api/v1", tags=["账号"])


class CsrfOut(BaseModel):
    csrf_token: str


class RegisterIn(BaseModel):
    """An organisation and its first user; the service checks every field in Chinese."""

    model_config = ConfigDict(extra="forbid")  # no role, no org id: the kind decides the role

    name: str = Field(default="", max_length=1000, description="机构名称，2–100字")
    kind: str = Field(default="", max_length=100,
                      description="enterprise | intermediary | tech_transfer | university | "
                                  "research_institute | financial")
    credit_code: str = Field(default="", max_length=100, description="统一社会信用代码，18位")
    region: str | None = Field(default=None, max_length=100, description="所在区，默认河北区")
    contact_name: str = Field(default="", max_length=1000)
    contact_phone: str = Field(default="", max_length=1000)
    contact_email: str | None = Field(default=None, max_length=1000)
    username: str = Field(default="", max_length=1000)
    password: str = Field(default="", max_length=1000)
    password_confirm: str | None = Field(default=None, max_length=1000)


class RegisteredOut(BaseModel):
    user_id: int
    username: str
    role: str
    org_id: int
    organisation: str
    csrf_token: str  # of the new session, for the next state-changing call


@router.get("/csrf-token", response_model=CsrfOut, summary="CSRF令牌")
def csrf_token(request: Request, user: OptionalUserDep) -> CsrfOut:
    """The token to send as X-CSRF-Token: the session's, or the anonymous cookie's."""
    if user is not None:
        return CsrfOut(csrf_token=user.csrf_token)
    token = request.cookies.get(ANON_CSRF_COOKIE) or getattr(request.state, "anon_csrf", "")
    return CsrfOut(csrf_token=token)


@router.post("/register", response_model=RegisteredOut, status_code=201, summary="机构注册",
             dependencies=[Depends(csrf_protect)], name="api_register")
def register(request: Request, response: Response, session: SessionDep, settings: SettingsDep,
             body: RegisterIn) -> RegisteredOut:
    """Register the organisation and its first user, then log that user in."""
    reg = records.register_organisation(session, **body.model_dump())
    result = auth.login(session, username=reg.user.username, password=body.password,
                            ip=request.client.host if request.client else "", replaces=request.cookies.get(SESSION_COOKIE),
                            user_agent=request.headers.get("user-agent", ""),
                            session_hours=settings.session_hours)
    set_session_cookie(response, request, settings, result.token)
    return RegisteredOut(user_id=reg.user.id or 0, username=reg.user.username, role=reg.user.role,
                         org_id=reg.org.id or 0, organisation=reg.org.name, csrf_token=result.csrf_token)

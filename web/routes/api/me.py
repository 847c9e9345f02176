"""JSON API: the current user and their own organisation's profile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from web.deps import CurrentUser, SessionDep, TodayDep, UserDep, csrf_protect, require_roles
from web.routes.params import ColumnInt
from web.services.organisations import records

router = APIRouter(prefix="/api/v1/me", tags=["账号"])


class OrganisationOut(BaseModel):
    """The caller's own organisation, private portrait fields included."""

    id: int
    name: str
    kind: str
    credit_code: str
    region: str
    street: str | None
    industry: str | None
    description: str
    employees: int | None
    revenue_wan: Decimal | None
    rd_spending_wan: Decimal | None
    invention_patents: int
    total_patents: int
    credit_standing: str | None
    credit_date: date | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    share_contacts: bool


class MeOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    organisation: OrganisationOut | None


class ProfileIn(BaseModel):
    description: str = Field(default="", max_length=100_000)
    industry: str | None = Field(default=None, max_length=1000)
    street: str | None = Field(default=None, max_length=1000)
    employees: ColumnInt | None = None
    revenue_wan: Decimal | None = None
    rd_spending_wan: Decimal | None = None
    invention_patents: ColumnInt | None = None
    total_patents: ColumnInt | None = None
    contact_name: str | None = Field(default=None, max_length=1000)
    contact_phone: str | None = Field(default=None, max_length=1000)
    contact_email: str | None = Field(default=None, max_length=1000)
    share_contacts: bool = True


def _org_out(org: Any) -> OrganisationOut:
    return OrganisationOut.model_validate(org, from_attributes=True)


@router.get("", response_model=MeOut, summary="当前用户")
def me(session: SessionDep, user: UserDep) -> MeOut:
    """Who is logged in, with their organisation's full profile."""
    org = records.get_organisation(session, user.org_id) if user.org_id else None
    return MeOut(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                 organisation=_org_out(org) if org else None)


@router.patch("/organisation", response_model=OrganisationOut, summary="修改本机构资料",
              dependencies=[Depends(csrf_protect)])
def update_organisation(
    session: SessionDep, today: TodayDep,
    user: Annotated[CurrentUser, Depends(require_roles("enterprise", "provider"))], body: ProfileIn,
) -> OrganisationOut:
    """Change the fields sent, and only those, of the organisation's own profile (name and credit code stay fixed)."""
    sent = body.model_dump(exclude_unset=True)
    values = {k: ("1" if v is True else "" if v is False else v) for k, v in sent.items()}
    org = records.patch_profile(session, org_id=user.org_id or 0, actor_id=user.id, values=values, today=today)
    return _org_out(org)

"""JSON API: the caller's personal data (个人信息保护法) and their deletion request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from web.deps import SessionDep, UserDep, csrf_protect
from web.services.accounts import personal_data

router = APIRouter(prefix="/api/v1/me", tags=["账号"])


class ErasureIn(BaseModel):
    reason: str = Field(default="", max_length=500)


class ErasureOut(BaseModel):
    id: int
    status: str


@router.get("/personal-data", summary="我的个人信息")
def my_personal_data(session: SessionDep, user: UserDep) -> dict[str, Any]:
    """Everything the platform holds about the caller: account, contact fields, login records,
    audit entries naming them, deletion requests."""
    return personal_data.export_personal_data(session, user_id=user.id)


@router.post("/personal-data/erasure-request", response_model=ErasureOut, status_code=201,
             summary="申请删除我的个人信息", dependencies=[Depends(csrf_protect)])
def request_erasure(session: SessionDep, user: UserDep, body: ErasureIn | None = None) -> ErasureOut:
    """Ask for the deletion of the caller's personal data (enterprise and provider accounts)."""
    req = personal_data.request_erasure(session, user_id=user.id, reason=body.reason if body else "")
    return ErasureOut(id=req.id or 0, status=req.status)

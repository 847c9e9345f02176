"""Matches between a need and an offer, their lifecycle events and contracts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_at_field, json_field, timestamp_field


class MatchStatus(StrEnum):
    proposed = "proposed"  # 待审核 (engine)
    approved = "approved"  # 已批准
    rejected = "rejected"  # 已驳回
    contacted = "contacted"  # 已联系
    negotiating = "negotiating"  # 洽谈中
    contracted = "contracted"  # 已签约
    closed = "closed"  # 已关闭 (no deal)
    withdrawn = "withdrawn"  # 已撤回 (a posting was closed before review)


MATCH_STATUS_LABELS: dict[str, str] = {
    "proposed": "待审核", "approved": "已批准", "rejected": "已驳回", "contacted": "已联系",
    "negotiating": "洽谈中", "contracted": "已签约", "closed": "已关闭", "withdrawn": "已撤回",
}

# The lifecycle of DESIGN.md: which moves are allowed from each status.
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"approved", "rejected", "withdrawn"}),
    "approved": frozenset({"contacted", "negotiating", "contracted", "closed"}),
    "contacted": frozenset({"negotiating", "contracted", "closed"}),
    "negotiating": frozenset({"contracted", "closed"}),
    "rejected": frozenset(),
    "contracted": frozenset(),
    "closed": frozenset(),
    "withdrawn": frozenset({"proposed"}),  # a re-opened posting may be proposed again
}


class Match(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("need_id", "offer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    offer_id: int = Field(foreign_key="offer.id", index=True)
    score: float = Field(ge=0, le=1, index=True)
    text_score: float = 0.0
    # {"terms": [[term, contribution], ...], "signals": [[code, label, delta], ...]}
    reasons: dict[str, Any] = json_field(dict)
    status: str = Field(default="proposed", max_length=16, index=True)
    source: str = Field(default="engine", max_length=16)  # engine | manual
    enterprise_interested: bool = False
    provider_interested: bool = False
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = timestamp_field()
    reject_code: str | None = Field(default=None, max_length=32)
    reject_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field(index=True)


class MatchEvent(SQLModel, table=True):
    """One transition of a match: who, when, from, to, why."""

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    note: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()


class ContractType(StrEnum):
    development = "技术开发"
    transfer = "技术转让"
    licence = "技术许可"
    consulting = "技术咨询"
    service = "技术服务"


class Contract(SQLModel, table=True):
    """A technology contract (技术合同) signed through a match."""

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", unique=True)
    amount_wan: Decimal = Field(sa_type=Numeric(14, 2), ge=0)
    signed_on: date
    contract_type: str = Field(max_length=16)
    registration_no: str | None = Field(default=None, max_length=64)  # 技术合同登记号
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    # 作废: the row stays (it was signed and reported), but no longer counts anywhere.
    voided_at: datetime | None = timestamp_field()
    voided_by: int | None = Field(default=None, foreign_key="user.id")
    void_reason: str | None = Field(default=None, max_length=500)


class Rating(SQLModel, table=True):
    """One side's rating (合作评价) of the other after a signed contract; feeds the portrait."""

    __table_args__ = (UniqueConstraint("match_id", "rater_org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", index=True)
    rater_org_id: int = Field(foreign_key="organisation.id")
    rated_org_id: int = Field(foreign_key="organisation.id", index=True)
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()

"""Matches between a need and an offer, their lifecycle events and contracts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Index, Numeric, UniqueConstraint, event
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel, select

from models.base import created_at_field, enum_field, json_field, timestamp_field
from models.posting import Need, Offer


class MatchStatus(StrEnum):
    proposed = "proposed"  # 待审核 (engine)
    approved = "approved"  # 已批准
    rejected = "rejected"  # 已驳回
    contacted = "contacted"  # 已联系
    negotiating = "negotiating"  # 洽谈中
    contracted = "contracted"  # 已签约
    closed = "closed"  # 已关闭 (no deal)
    withdrawn = "withdrawn"  # 已撤回 (a posting was closed before review)


S = MatchStatus
MATCH_STATUS_LABELS: dict[str, str] = {
    S.proposed: "待审核", S.approved: "已批准", S.rejected: "已驳回", S.contacted: "已联系",
    S.negotiating: "洽谈中", S.contracted: "已签约", S.closed: "已关闭", S.withdrawn: "已撤回",
}

# The lifecycle of DESIGN.md: which moves are allowed from each status.
TRANSITIONS: dict[MatchStatus, frozenset[MatchStatus]] = {
    S.proposed: frozenset({S.approved, S.rejected, S.withdrawn}),
    S.approved: frozenset({S.contacted, S.negotiating, S.contracted, S.closed}),
    S.contacted: frozenset({S.negotiating, S.contracted, S.closed}),
    S.negotiating: frozenset({S.contracted, S.closed}),
    S.rejected: frozenset(),
    S.contracted: frozenset(),
    S.closed: frozenset(),
    S.withdrawn: frozenset({S.proposed}),  # a re-opened posting may be proposed again
}

# Groups of statuses the services ask about.
IN_PROGRESS = frozenset({S.approved, S.contacted, S.negotiating})  # approved, deal still open
# At or after staff approval: the parties may know each other, and it counts as approved.
APPROVED_OR_LATER = IN_PROGRESS | {S.contracted, S.closed}
# The columns of the staff pipeline board, in lifecycle order.
PIPELINE_STAGES: tuple[MatchStatus, ...] = (S.approved, S.contacted, S.negotiating, S.contracted, S.closed)
# A party may still express interest: before staff decide, or while the parties talk.
INTEREST_OPEN = IN_PROGRESS | {S.proposed}
# What an engine refresh may touch; anything later belongs to staff and the parties.
ENGINE_OWNED = frozenset({S.proposed, S.withdrawn})


def status_column(constraint: str, **kwargs: Any) -> Any:
    """A match status column (the CHECK constraint is named ``constraint``)."""
    return enum_field(MatchStatus, constraint, **kwargs)


class Match(SQLModel, table=True):
    # A portal lists one organisation's matches newest first: (owner, id) serves the page and
    # the count from the index alone, without joining and sorting every match of the owner.
    __table_args__ = (UniqueConstraint("need_id", "offer_id"),
                      Index("ix_match_need_org_id_id", "need_org_id", "id"),
                      Index("ix_match_offer_org_id_id", "offer_org_id", "id"),
                      # Each side's counts by status (portal home, match lists): from the index alone.
                      Index("ix_match_need_org_id_status", "need_org_id", "status"),
                      Index("ix_match_offer_org_id_status", "offer_org_id", "status"),
                      # The review queue: proposals best first, without sorting them all.
                      Index("ix_match_status_score_id", "status", "score", "id"))

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    offer_id: int = Field(foreign_key="offer.id", index=True)
    # Copies of need.org_id and offer.org_id, moved with the postings when organisations
    # merge. The services that create matches set them; the hook below fills any left out.
    need_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    offer_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    score: float = Field(ge=0, le=1, index=True)
    text_score: float = 0.0
    # {"terms": [[term, contribution], ...], "signals": [[code, label, delta], ...]}
    reasons: dict[str, Any] = json_field(dict)
    status: MatchStatus = status_column("ck_match_status", default=MatchStatus.proposed, index=True)
    source: str = Field(default="engine", max_length=16)  # engine | manual
    enterprise_interested: bool = False
    provider_interested: bool = False
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = timestamp_field()
    reject_code: str | None = Field(default=None, max_length=32)
    reject_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field(index=True)


@event.listens_for(Match, "before_insert")
def _copy_posting_owners(_mapper: Mapper, connection: Connection, match: Match) -> None:
    if match.need_org_id is None:
        match.need_org_id = connection.scalar(select(Need.org_id).where(Need.id == match.need_id))
    if match.offer_org_id is None:
        match.offer_org_id = connection.scalar(select(Offer.org_id).where(Offer.id == match.offer_id))


class MatchEvent(SQLModel, table=True):
    """One transition of a match: who, when, from, to, why."""

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: MatchStatus | None = status_column("ck_matchevent_from_status", default=None, nullable=True)
    to_status: MatchStatus = status_column("ck_matchevent_to_status")
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

"""重点企业包联: staff assigned to key enterprises, visit schedules, visits and 诉求."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.base import created_at_field, enum_field, timestamp_field


class AppealStatus(StrEnum):
    open = "open"  # 已受理
    processing = "processing"  # 办理中
    closed = "closed"  # 已办结


class LiaisonAssignment(SQLModel, table=True):
    """A staff member assigned to an enterprise: one lead (包联责任人) and helpers."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(max_length=8)  # lead | helper
    assigned_by: int | None = Field(default=None, foreign_key="user.id")
    assigned_at: datetime = created_at_field()
    ended_at: datetime | None = timestamp_field()


class VisitSchedule(SQLModel, table=True):
    """How often an enterprise is visited (定期走访), counted from ``starts_on``."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", unique=True, ondelete="CASCADE")
    interval_days: int  # 30 monthly, 91 quarterly, 182 half-yearly …
    starts_on: date
    set_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime | None = timestamp_field()


class Visit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    visited_on: date
    visitors: str = Field(max_length=100)  # who went
    summary: str = Field(max_length=2000)  # what was discussed
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()


class Appeal(SQLModel, table=True):
    """A 诉求 raised by an enterprise and followed to closure."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    category: str = Field(max_length=20)
    description: str = Field(max_length=2000)
    department: str = Field(max_length=50)  # 责任部门
    deadline: date
    status: AppealStatus = enum_field(AppealStatus, "ck_appeal_status", default=AppealStatus.open, index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    closed_at: datetime | None = timestamp_field()


class AppealStep(SQLModel, table=True):
    """Every step of a 诉求: accepted, progress notes, hand-overs, closure."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True, ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: AppealStatus | None = enum_field(AppealStatus, "ck_appealstep_from_status", default=None,
                                                  nullable=True)
    to_status: AppealStatus = enum_field(AppealStatus, "ck_appealstep_to_status")
    note: str = Field(max_length=500)
    shared: bool = False  # shown to the enterprise; otherwise a staff note
    created_at: datetime = created_at_field()

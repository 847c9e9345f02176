"""Cultivation (培育): qualification rule sets, pools of enterprises, gaps posted as needs,
and the listing plan (一企一策) of the listing pool."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_at_field, enum_field, json_field, timestamp_field


class RuleSet(SQLModel, table=True):
    """The conditions of one qualification (资质) as published for a year."""

    __table_args__ = (UniqueConstraint("qualification", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    qualification: str = Field(max_length=16, index=True)  # 高新技术企业, 雏鹰, 瞪羚, 科技领军
    year: int  # the year from which this set applies
    name: str = Field(max_length=100)
    note: str = Field(default="", max_length=500)  # where the thresholds come from
    is_default: bool = False  # shipped with the platform (national 高企 conditions)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field()


class Rule(SQLModel, table=True):
    """One checkable condition: ``metric`` compared with a threshold.

    ``op`` is ``min`` (value ≥ threshold) or ``max`` (value ≤ threshold). ``tiers`` picks the
    threshold by another figure (the 高企 R&D ratio by revenue): ``[[upper_bound, threshold],
    …, [None, threshold]]``. ``alt_metric`` passes the rule when it reaches ``alt_threshold``
    instead (an invention patent, or enough patents of other kinds).
    """

    id: int | None = Field(default=None, primary_key=True)
    rule_set_id: int = Field(foreign_key="ruleset.id", index=True, ondelete="CASCADE")
    position: int = 0
    label: str = Field(max_length=100)
    metric: str = Field(max_length=32)
    op: str = Field(default="min", max_length=8)
    threshold: Decimal | None = Field(default=None, sa_type=Numeric(14, 4))
    tier_metric: str | None = Field(default=None, max_length=32)
    tiers: list[Any] = json_field(list)
    alt_metric: str | None = Field(default=None, max_length=32)
    alt_threshold: Decimal | None = Field(default=None, sa_type=Numeric(14, 4))
    # What a failed or unknown rule is matched with, like a need (缺什么补什么).
    gap_text: str = Field(default="", max_length=500)
    gap_category: str | None = Field(default=None, max_length=32)


class PoolKind:
    hitech = "hitech"  # 高新技术企业培育库
    whitelist = "whitelist"  # 新动能企业白名单
    listing = "listing"  # 上市挂牌后备企业资源库
    custom = "custom"  # defined by staff


class Pool(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, unique=True)
    kind: str = Field(default=PoolKind.custom, max_length=16, index=True)
    qualification: str = Field(default="高新技术企业", max_length=16)  # rules its gaps are read against
    description: str = Field(default="", max_length=500)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()


class PoolMember(SQLModel, table=True):
    """A stay of an enterprise in a pool; leaving closes the row, it is never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    pool_id: int = Field(foreign_key="pool.id", index=True, ondelete="CASCADE")
    org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    reason: str = Field(max_length=200)  # 入库理由 (staff only)
    added_by: int | None = Field(default=None, foreign_key="user.id")
    added_at: datetime = created_at_field()
    left_at: datetime | None = timestamp_field()
    left_by: int | None = Field(default=None, foreign_key="user.id")
    left_reason: str | None = Field(default=None, max_length=200)


class GapNeed(SQLModel, table=True):
    """A gap that staff posted as a need for the enterprise, with the enterprise's consent."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    need_id: int = Field(foreign_key="need.id", index=True, ondelete="CASCADE")
    rule_id: int | None = Field(default=None, foreign_key="rule.id", ondelete="SET NULL")
    rule_label: str = Field(max_length=100)
    consent_by: str = Field(max_length=50)  # who at the enterprise agreed
    consent_channel: str = Field(max_length=20)  # 电话 / 书面 / 走访当面 / 平台留言
    consent_on: date
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()


class StepStatus(StrEnum):
    todo = "todo"  # 未开始
    doing = "doing"  # 进行中
    done = "done"  # 已完成


class ListingStep(SQLModel, table=True):
    """One step of an enterprise's listing plan (一企一策): 股改, 辅导备案, 申报 …"""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    position: int = 0
    name: str = Field(max_length=50)
    category: str = Field(default="上市辅导", max_length=32)  # what the matcher looks for beside it
    owner: str = Field(max_length=50)  # 责任人
    due_on: date
    status: StepStatus = enum_field(StepStatus, "ck_listingstep_status", default=StepStatus.todo)
    note: str = Field(default="", max_length=500)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime | None = timestamp_field()

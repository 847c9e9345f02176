"""Needs (需求) posted by enterprises and offers (服务/成果) posted by providers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.base import created_at_field, enum_field, money_field, timestamp_field

TITLE_MAX = 100
DESCRIPTION_MAX = 4000
TOKENS_VERSION_MAX = 64


class NeedStatus(StrEnum):
    draft = "draft"  # 草稿 (private)
    open = "open"  # 征集中
    closed = "closed"  # 已关闭


class OfferStatus(StrEnum):
    draft = "draft"
    open = "open"  # 发布中
    withdrawn = "withdrawn"  # 已撤回


# Drafts and open postings share their values on both sides.
POSTING_STATUS_LABELS: dict[str, str] = {
    NeedStatus.draft: "草稿", NeedStatus.open: "发布中", NeedStatus.closed: "已关闭", OfferStatus.withdrawn: "已撤回",
}


class _PostingColumns(SQLModel):
    """Columns a need and an offer share (not a table itself)."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    category: str = Field(max_length=32, index=True)
    industry: str | None = Field(default=None, max_length=32)
    deadline: date | None = None
    # Segmented once at write time; the matcher never re-segments these.
    tokens: str = Field(default="", max_length=20000)
    # matcher.tokenizer_version() of the segmentation that made ``tokens``: when the
    # dictionary changes, rows under an older version are re-segmented in the background.
    tokens_version: str = Field(default="", max_length=TOKENS_VERSION_MAX, index=True,
                                sa_column_kwargs={"server_default": ""})
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    # Set on creation and on every edit, close, publish and reopen: other workers'
    # indexes sync on it.
    updated_at: datetime | None = timestamp_field(index=True)


class Need(_PostingColumns, table=True):
    status: NeedStatus = enum_field(NeedStatus, "ck_need_status", default=NeedStatus.open, index=True)
    budget_wan: Decimal | None = money_field()  # 预算（万元）


class Offer(_PostingColumns, table=True):
    status: OfferStatus = enum_field(OfferStatus, "ck_offer_status", default=OfferStatus.open, index=True)
    price_wan: Decimal | None = money_field()  # 报价/起价（万元）

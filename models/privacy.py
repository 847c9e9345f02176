"""Requests about personal data (个人信息保护法): a person asks for the deletion of theirs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.base import created_at_field, enum_field, timestamp_field


class RequestStatus(StrEnum):
    pending = "pending"  # 待处理
    done = "done"  # 已删除
    rejected = "rejected"  # 未予删除 (with the reason)


REQUEST_STATUS_LABELS: dict[str, str] = {
    RequestStatus.pending: "待处理", RequestStatus.done: "已删除", RequestStatus.rejected: "未予删除",
}


class PrivacyRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: str = Field(default="erasure", max_length=16)
    status: RequestStatus = enum_field(RequestStatus, "ck_privacyrequest_status", default=RequestStatus.pending,
                                       index=True)
    reason: str = Field(default="", max_length=500)  # the person's own words; cleared on erasure
    created_at: datetime = created_at_field()
    handled_by: int | None = Field(default=None, foreign_key="user.id")
    handled_at: datetime | None = timestamp_field()
    answer: str = Field(default="", max_length=500)  # staff's reply (why not, when refused)

"""Stored answers of writes sent with an idempotency key (an API header or a form's one-time token)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_at_field, timestamp_field


class IdempotencyKey(SQLModel, table=True):
    """The first answer to a write, kept until ``expires_at`` so that a retry gets it back.

    Written in the same transaction as the write itself: either both are there or neither.
    """

    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=210)  # "api:<Idempotency-Key>" or "form:<form token>"
    fingerprint: str = Field(max_length=64)  # sha256 of method, path, query and body
    status_code: int
    content_type: str = Field(default="", max_length=200)
    location: str | None = Field(default=None, max_length=2000)
    body: str = Field(default="", sa_type=Text)
    created_at: datetime = created_at_field()
    expires_at: datetime = timestamp_field(nullable=False, index=True)

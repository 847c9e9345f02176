"""通知公告: announcements staff publish to everyone or to chosen kinds of organisation."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import created_at_field, json_field, timestamp_field


class Announcement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    body: str = Field(max_length=5000)
    category: str = Field(max_length=16)  # policy | event | notice
    # Organisation kinds (models.organisation.OrgKind) it reaches; empty: everyone.
    audience: list[str] = json_field(list)
    publish_at: datetime = timestamp_field(nullable=False, index=True)
    expires_at: datetime | None = timestamp_field()
    withdrawn_at: datetime | None = timestamp_field()
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()


class AnnouncementRead(SQLModel, table=True):
    """Read state per user."""

    announcement_id: int = Field(foreign_key="announcement.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    read_at: datetime = created_at_field()

"""In-platform notifications (推送) to an organisation or to one user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_at_field, timestamp_field


class Notification(SQLModel, table=True):
    # "At most once per pair": the dedupe key names the event (e.g. "recommend:need:12:offer:40").
    # Every page counts the reader's unread messages (the navigation badge): with read_at in the
    # index the count reads only index entries of unread rows, not every message the
    # organisation ever had (2.5 -> 0.1 ms at 10,000 messages, 1,000 unread, SQLite).
    __table_args__ = (UniqueConstraint("org_id", "user_id", "dedupe_key"),
                      Index("ix_notification_org_id_read_at", "org_id", "read_at"),
                      Index("ix_notification_user_id_read_at", "user_id", "read_at"))

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=32)  # recommendation | interest | approved | pipeline | system
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str | None = Field(default=None, max_length=300)
    match_id: int | None = Field(default=None, foreign_key="match.id")
    dedupe_key: str | None = Field(default=None, max_length=100)
    read_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()

"""The posting change feed: an ordered log of writes to needs and offers.

Every write that changes what the match index should hold (post, edit, publish, close,
reopen) appends one ``PostingChange`` in the same transaction as the posting itself.
Its ``seq`` (an autoincrement id, never a clock) orders the changes; writers take a
lock before appending (``web.services.matching.feed``), so a reader that has seen
``seq`` N has seen every change below N. Workers follow the feed to keep their
indexes current, and background matching keeps its place in ``FeedCursor``.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import created_at_field, timestamp_field


class PostingChange(SQLModel, table=True):
    __tablename__ = "posting_change"

    seq: int | None = Field(default=None, primary_key=True)
    side: str = Field(max_length=8)  # need | offer
    posting_id: int = Field(index=True)
    kind: str = Field(max_length=16)  # create | edit | publish | reopen | close | tokens
    created_at: datetime = created_at_field()


class FeedCursor(SQLModel, table=True):
    """How far a consumer of the feed has got (``matching``: proposals stored up to ``seq``)."""

    __tablename__ = "feed_cursor"

    name: str = Field(primary_key=True, max_length=32)
    seq: int = 0
    updated_at: datetime | None = timestamp_field()


class IndexVersion(SQLModel, table=True):
    """A match index file written by the refit job; every worker maps the newest one."""

    __tablename__ = "index_version"

    version: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=500)
    feed_seq: int  # the file holds every change up to and including this seq
    postings: int = 0
    created_at: datetime = created_at_field()

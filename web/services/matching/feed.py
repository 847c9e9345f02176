"""The posting change feed (:mod:`models.feed`): append, read in order, keep a place.

Order comes from the ``seq`` column, never from clocks. For ``seq`` order to be commit
order, appends are serialised: SQLite already lets one writer in at a time (``BEGIN
IMMEDIATE``); on PostgreSQL each append first takes a transaction-level advisory lock,
held until commit, so a change with a lower ``seq`` is always visible before one with
a higher ``seq``. A reader that has seen N has therefore seen everything below N.

PostgreSQL also announces each commit on the ``zhengqi_feed`` channel (LISTEN/NOTIFY),
so other workers wake at once; on SQLite they poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from models import FeedCursor, PostingChange

CHANNEL = "zhengqi_feed"
_APPEND_LOCK = 0x7A6871  # advisory lock key of feed appends ("zhq")
MATCHING = "matching"  # the cursor of background matching


@dataclass(frozen=True)
class Change:
    seq: int
    side: str
    posting_id: int
    kind: str


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def record(session: Session, *, side: str, posting_id: int, kind: str) -> int:
    """Append one change (flushes) and return its seq. Call it last before the write's
    commit: on PostgreSQL it holds the feed's append lock until then."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    change = PostingChange(side=side, posting_id=posting_id, kind=kind)
    session.add(change)
    session.flush()
    assert change.seq is not None
    return change.seq


def head(session: Session) -> int:
    """The newest seq (0 for an empty feed)."""
    return session.exec(select(func.max(PostingChange.seq))).one() or 0


def changes_after(session: Session, seq: int, *, limit: int | None = None) -> list[Change]:
    """Changes with a seq above ``seq``, oldest first."""
    stmt = (select(PostingChange.seq, PostingChange.side, PostingChange.posting_id, PostingChange.kind)
            .where(col(PostingChange.seq) > seq).order_by(col(PostingChange.seq)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [Change(*row) for row in session.exec(stmt).all()]


def cursor(session: Session, name: str = MATCHING) -> int:
    """Where consumer ``name`` has got to (0 if it never started)."""
    row = session.get(FeedCursor, name)
    return row.seq if row is not None else 0


def advance(session: Session, *, name: str = MATCHING, expected: int, to: int) -> bool:
    """Move a cursor from ``expected`` to ``to`` (flushes); False if another consumer moved
    it first, and then nothing was changed. The row stays locked until commit."""
    row = session.get(FeedCursor, name, with_for_update=is_postgres(session))
    if row is None:
        if expected != 0:
            return False
        session.add(FeedCursor(name=name, seq=to, updated_at=datetime.now(UTC)))
    elif row.seq != expected:
        return False
    else:
        row.seq, row.updated_at = to, datetime.now(UTC)
        session.add(row)
    session.flush()
    return True


def pending(session: Session, *, side: str, posting_id: int) -> bool:
    """Whether a change to this posting still waits for background matching."""
    done = cursor(session)
    stmt = select(PostingChange.seq).where(
        PostingChange.side == side, PostingChange.posting_id == posting_id,
        col(PostingChange.seq) > done).limit(1)
    return session.exec(stmt).first() is not None

"""Live sessions (在线用户): who is signed in, their last activity, and forced logout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, or_, select, update

from models import User, UserSession
from web.services import audit
from web.services.errors import NotFound
from web.services.paging import Page

# Writing last_seen_at on every request would turn each page view into a write.
TOUCH_INTERVAL = timedelta(seconds=60)


def touch(session: Session, *, session_id: str, now: datetime | None = None) -> bool:
    """Record activity on a session unless it was recorded within TOUCH_INTERVAL. Commits."""
    now = now or datetime.now(UTC)
    result = session.exec(update(UserSession).where(
        col(UserSession.id) == session_id,
        or_(col(UserSession.last_seen_at).is_(None), col(UserSession.last_seen_at) < now - TOUCH_INTERVAL),
    ).values(last_seen_at=now).execution_options(synchronize_session=False))
    session.commit()
    return bool(result.rowcount)


def needs_touch(row: UserSession, now: datetime | None = None) -> bool:
    seen = row.last_seen_at
    return seen is None or seen < (now or datetime.now(UTC)) - TOUCH_INTERVAL


@dataclass(frozen=True)
class LiveSession:
    row: UserSession
    username: str
    display_name: str
    role: str

    @property
    def key(self) -> str:
        """The session's id for forms; a hash of the cookie token, useless as a cookie itself."""
        return self.row.id


def _live(now: datetime) -> list:
    return [col(UserSession.revoked_at).is_(None), col(UserSession.expires_at) > now]


def list_live(session: Session, *, q: str | None = None, user_id: int | None = None, page: int = 1,
              per_page: int = 50, now: datetime | None = None) -> Page:
    """Sessions that are neither expired nor ended, most recently active first."""
    now = now or datetime.now(UTC)
    stmt = select(UserSession, User).join(User, col(User.id) == UserSession.user_id).where(*_live(now))
    if user_id is not None:
        stmt = stmt.where(col(UserSession.user_id) == user_id)
    if q and q.strip():
        like = f"%{q.strip()[:50]}%"
        stmt = stmt.where(or_(col(User.username).ilike(like), col(User.display_name).ilike(like),
                              col(UserSession.ip).like(like)))
    page = max(1, page)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(UserSession.last_seen_at).desc(), col(UserSession.created_at).desc())
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page([LiveSession(s, u.username, u.display_name, u.role) for s, u in rows], total, page, per_page)


def count_live(session: Session, *, user_id: int, now: datetime | None = None) -> int:
    """How many live sessions one user has."""
    now = now or datetime.now(UTC)
    return session.exec(select(func.count()).select_from(UserSession)
                        .where(col(UserSession.user_id) == user_id, *_live(now))).one()


def end_session(session: Session, *, actor_id: int, session_id: str) -> UserSession:
    """Force one live session to log out. Commits."""
    row = session.get(UserSession, session_id)
    if row is None or row.revoked_at is not None:
        raise NotFound("该会话不存在或已结束")
    row.revoked_at = datetime.now(UTC)
    session.add(row)
    audit.record(session, actor_id=actor_id, action="session.end", object_type="user",
                 object_id=row.user_id)
    session.commit()
    return row


def end_user_sessions(session: Session, *, user_id: int, except_id: str | None = None,
                      now: datetime | None = None) -> int:
    """End every live session of a user (flushes; the caller's action commits); returns how many."""
    now = now or datetime.now(UTC)
    stmt = update(UserSession).where(col(UserSession.user_id) == user_id, *_live(now))
    if except_id:
        stmt = stmt.where(col(UserSession.id) != except_id)
    # No in-Python sync: the action's commit expires loaded rows anyway.
    result = session.exec(stmt.values(revoked_at=now).execution_options(synchronize_session=False))
    session.flush()
    return int(result.rowcount or 0)


def force_logout_user(session: Session, *, actor_id: int, user_id: int) -> int:
    """Force every session of one user to log out. Commits; returns how many ended."""
    if session.get(User, user_id) is None:
        raise NotFound("未找到该账号")
    ended = end_user_sessions(session, user_id=user_id)
    audit.record(session, actor_id=actor_id, action="session.end_all", object_type="user",
                 object_id=user_id, detail={"count": ended})
    session.commit()
    return ended

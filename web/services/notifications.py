"""Notifications (推送): to an organisation's users, or to every staff member."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, func, or_, select

from models import Notification, User
from web.services.errors import NotFound


def _exists(session: Session, *, org_id: int | None, user_id: int | None, dedupe_key: str) -> bool:
    stmt = select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    stmt = stmt.where(Notification.org_id == org_id if org_id is not None
                      else col(Notification.org_id).is_(None))
    stmt = stmt.where(Notification.user_id == user_id if user_id is not None
                      else col(Notification.user_id).is_(None))
    return session.exec(stmt).first() is not None


def notify(
    session: Session, *, org_id: int | None = None, user_id: int | None = None, kind: str,
    title: str, body: str = "", link: str | None = None, match_id: int | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Queue one notification (flushes only). With a dedupe_key, at most once per recipient."""
    if dedupe_key and _exists(session, org_id=org_id, user_id=user_id, dedupe_key=dedupe_key):
        return None
    note = Notification(org_id=org_id, user_id=user_id, kind=kind, title=title[:200],
                        body=body[:2000], link=link, match_id=match_id, dedupe_key=dedupe_key)
    session.add(note)
    session.flush()
    return note


def notify_staff(session: Session, *, kind: str, title: str, body: str = "",
                 link: str | None = None, match_id: int | None = None,
                 dedupe_key: str | None = None) -> int:
    """Notify every active staff user; returns how many were queued."""
    staff = session.exec(select(User.id).where(User.role == "staff", col(User.is_active).is_(True))).all()
    return sum(
        notify(session, user_id=uid, kind=kind, title=title, body=body, link=link,
               match_id=match_id, dedupe_key=dedupe_key) is not None
        for uid in staff
    )


def _inbox_filter(user_id: int, org_id: int | None):  # type: ignore[no-untyped-def]
    if org_id is None:
        return Notification.user_id == user_id
    return or_(Notification.user_id == user_id, Notification.org_id == org_id)


def list_inbox(session: Session, *, user_id: int, org_id: int | None, unread_only: bool = False,
               limit: int = 20, offset: int = 0) -> list[Notification]:
    """A user's notifications (their own and their organisation's), newest first."""
    stmt = select(Notification).where(_inbox_filter(user_id, org_id))
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    stmt = stmt.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    return list(session.exec(stmt.offset(offset).limit(limit)).all())


def unread_count(session: Session, *, user_id: int, org_id: int | None) -> int:
    stmt = select(func.count()).select_from(Notification).where(
        _inbox_filter(user_id, org_id), col(Notification.read_at).is_(None))
    return session.exec(stmt).one()


def mark_read(session: Session, *, notification_id: int, user_id: int, org_id: int | None) -> None:
    """Mark one notification read; another user's notification is NotFound."""
    note = session.get(Notification, notification_id)
    if note is None or not (note.user_id == user_id or (org_id is not None and note.org_id == org_id)):
        raise NotFound("未找到该消息")
    if note.read_at is None:
        note.read_at = datetime.now(UTC)
        session.add(note)
    session.commit()

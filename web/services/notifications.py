"""Notifications (推送): to an organisation's users, or to every staff member; the inbox.

A notification points at a :class:`Target` (a match, a posting, a 诉求 …), never at a URL: the web
layer turns the target into the page that reader should open (web.presentation.links).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, func, or_, select

from models import Notification, User
from web.services.errors import NotFound
from web.services.paging import Page, paginate

# key_enterprise: an enterprise under 包联 (its organisation id); appeal: one of its 诉求.
TARGET_KINDS = ("match", "need", "offer", "key_enterprise", "appeal")


@dataclass(frozen=True)
class Target:
    """What a notification is about: ``kind`` (one of TARGET_KINDS) and its id."""

    kind: str
    id: int

    def encode(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Target | None:
        """The target stored in Notification.link, or None if there is none (or it is unreadable)."""
        kind, _, number = (raw or "").partition(":")
        return cls(kind, int(number)) if kind in TARGET_KINDS and number.isdigit() else None


def _exists(session: Session, *, org_id: int | None, user_id: int | None, dedupe_key: str) -> bool:
    stmt = select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    stmt = stmt.where(Notification.org_id == org_id if org_id is not None
                      else col(Notification.org_id).is_(None))
    stmt = stmt.where(Notification.user_id == user_id if user_id is not None
                      else col(Notification.user_id).is_(None))
    return session.exec(stmt).first() is not None


def notify(
    session: Session, *, org_id: int | None = None, user_id: int | None = None, kind: str,
    title: str, body: str = "", target: Target | None = None, match_id: int | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Queue one notification (flushes only). With a dedupe_key, at most once per recipient."""
    if dedupe_key and _exists(session, org_id=org_id, user_id=user_id, dedupe_key=dedupe_key):
        return None
    note = Notification(org_id=org_id, user_id=user_id, kind=kind, title=title[:200],
                        body=body[:2000], link=target.encode() if target else None, match_id=match_id, dedupe_key=dedupe_key)
    session.add(note)
    session.flush()
    return note


def notify_staff(session: Session, *, kind: str, title: str, body: str = "",
                 target: Target | None = None, match_id: int | None = None,
                 dedupe_key: str | None = None) -> int:
    """Notify every active staff user; returns how many were queued."""
    staff = session.exec(select(User.id).where(User.role == "staff", col(User.is_active).is_(True))).all()
    return sum(
        notify(session, user_id=uid, kind=kind, title=title, body=body, target=target,
               match_id=match_id, dedupe_key=dedupe_key) is not None
        for uid in staff
    )


def _inbox_filter(user_id: int, org_id: int | None):  # type: ignore[no-untyped-def]
    if org_id is None:
        return Notification.user_id == user_id
    return or_(Notification.user_id == user_id, Notification.org_id == org_id)


def list_inbox(session: Session, *, user_id: int, org_id: int | None, unread_only: bool = False,
               page: int = 1, per_page: int = 20) -> Page:
    """One page of a user's notifications (their own and their organisation's), newest first."""
    cond = [_inbox_filter(user_id, org_id)]
    if unread_only:
        cond.append(col(Notification.read_at).is_(None))
    stmt = (select(Notification).where(*cond)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc()))
    return paginate(session, stmt, page=page, per_page=per_page)


def unread_count(session: Session, *, user_id: int, org_id: int | None) -> int:
    stmt = select(func.count()).select_from(Notification).where(
        _inbox_filter(user_id, org_id), col(Notification.read_at).is_(None))
    return session.exec(stmt).one()


def mark_read(session: Session, *, notification_id: int, user_id: int, org_id: int | None) -> Notification:
    """Mark one notification read and return it; another user's notification is NotFound."""
    note = session.get(Notification, notification_id)
    if note is None or not (note.user_id == user_id or (org_id is not None and note.org_id == org_id)):
        raise NotFound("未找到该消息")
    if note.read_at is None:
        note.read_at = datetime.now(UTC)
        session.add(note)
    session.commit()
    return note


def mark_all_read(session: Session, *, user_id: int, org_id: int | None) -> int:
    """Mark every unread notification of the user (and their organisation) read. Commits."""
    rows = session.exec(select(Notification).where(
        _inbox_filter(user_id, org_id), col(Notification.read_at).is_(None))).all()
    now = datetime.now(UTC)
    for row in rows:
        row.read_at = now
        session.add(row)
    session.commit()
    return len(rows)

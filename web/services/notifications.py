"""Notifications (推送): to an organisation's users, or to every staff member; the inbox.

A notification points at a :class:`Target` (a match, a posting, a 诉求, or the reader's list of
matches), never at a URL: the web layer turns the target into the page that reader should
open (web.presentation.links). What one event causes for one organisation is one message
(:func:`notify_grouped`); a user may take them as they come or as one daily digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from urllib.parse import parse_qs, urlencode

from sqlmodel import Session, col, func, or_, select

from models import Notification, User
from models.user import NOTIFY_MODES
from web.services import audit
from web.services.errors import NotFound, ValidationFailed
from web.services.paging import Page, paginate

# key_enterprise: an enterprise under 包联 (its organisation id); appeal: one of its 诉求.
TARGET_KINDS = ("match", "need", "offer", "key_enterprise", "appeal")
MATCH_LIST = "matches"  # the reader's own list of matches, optionally filtered
LIST_QUERY_MAX = 30  # characters of a title kept as the list's search (Notification.link holds 300)
DIGEST_HOUR = 8  # the daily digest arrives at 08:00 local time


@dataclass(frozen=True)
class Target:
    """What a notification is about: ``kind`` (one of TARGET_KINDS) and its id, or the
    reader's list of matches (``kind`` "matches", id 0), narrowed by ``status`` or ``q``."""

    kind: str
    id: int = 0
    status: str = ""
    q: str = ""

    @classmethod
    def match_list(cls, *, status: str = "", q: str = "") -> Target:
        return cls(MATCH_LIST, 0, status=status[:16], q=q.strip()[:LIST_QUERY_MAX])

    def encode(self) -> str:
        if self.kind != MATCH_LIST:
            return f"{self.kind}:{self.id}"
        query = urlencode({k: v for k, v in (("status", self.status), ("q", self.q)) if v})
        return f"{MATCH_LIST}:0" + (f"?{query}" if query else "")

    @classmethod
    def decode(cls, raw: str | None) -> Target | None:
        """The target stored in Notification.link, or None if there is none (or it is unreadable)."""
        head, _, query = (raw or "").partition("?")
        kind, _, number = head.partition(":")
        if kind == MATCH_LIST and number == "0":
            params = parse_qs(query)
            return cls.match_list(status=params.get("status", [""])[0], q=params.get("q", [""])[0])
        if query:
            return None
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


@dataclass(frozen=True)
class Grouped:
    """One thing an event tells an organisation; several of them become one message."""

    match_id: int
    label: str  # e.g. 「视觉检测攻关」


def notify_grouped(session: Session, *, org_id: int, kind: str, items: list[Grouped], one_title: str,
                   many_title: str, many_target: Target, body: str) -> Notification | None:
    """One message for everything one event caused for one organisation (flushes only).

    A single item points at its match; several point at ``many_target`` and the body names
    a few. ``many_title`` may use {n}."""
    if not items:
        return None
    if len(items) == 1:
        return notify(session, org_id=org_id, kind=kind, title=one_title, body=body,
                      target=Target("match", items[0].match_id), match_id=items[0].match_id)
    names = "".join(i.label for i in items[:3]) + ("等" if len(items) > 3 else "")
    return notify(session, org_id=org_id, kind=kind, title=many_title.format(n=len(items)),
                  body=f"{body}包括：{names}。", target=many_target, match_id=None)


# --- the daily digest ------------------------------------------------------------------


def digest_cut(now: datetime, tz: tzinfo) -> datetime:
    """The most recent digest time (08:00 local) at or before ``now``, in UTC."""
    local = now.astimezone(tz)
    cut = datetime.combine(local.date(), time(DIGEST_HOUR), tz)
    if cut > local:
        cut -= timedelta(days=1)
    return cut.astimezone(UTC)


def held_after(session: Session, *, user_id: int, tz: tzinfo, now: datetime | None = None) -> datetime | None:
    """For a daily-digest user, messages newer than this wait for the next digest; else None."""
    user = session.get(User, user_id)
    if user is None or user.notify_mode != "daily":
        return None
    return digest_cut(now or datetime.now(UTC), tz)


def set_notify_mode(session: Session, *, user_id: int, mode: str) -> None:
    """Choose immediate messages or one daily digest (the user's own choice). Commits."""
    if mode not in NOTIFY_MODES:
        raise ValidationFailed("请选择“即时通知”或“每日摘要”", field="notify_mode")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该账号")
    if user.notify_mode != mode:
        audit.record(session, actor_id=user_id, action="user.notify_mode", object_type="user", object_id=user_id,
                     detail={"from": user.notify_mode, "to": mode})
        user.notify_mode = mode
        session.add(user)
    session.commit()


# --- the inbox -------------------------------------------------------------------------


def _inbox_filter(user_id: int, org_id: int | None, held: datetime | None = None):  # type: ignore[no-untyped-def]
    cond = Notification.user_id == user_id
    if org_id is not None:
        cond = or_(cond, Notification.org_id == org_id)
    if held is not None:
        cond = cond & (col(Notification.created_at) < held)
    return cond


def list_inbox(session: Session, *, user_id: int, org_id: int | None, unread_only: bool = False,
               page: int = 1, per_page: int = 20, held: datetime | None = None) -> Page:
    """One page of a user's notifications (their own and their organisation's), newest first.

    ``held``: a daily-digest user sees only what arrived before this time."""
    cond = [_inbox_filter(user_id, org_id, held)]
    if unread_only:
        cond.append(col(Notification.read_at).is_(None))
    stmt = (select(Notification).where(*cond)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc()))
    return paginate(session, stmt, page=page, per_page=per_page)


def unread_count(session: Session, *, user_id: int, org_id: int | None, held: datetime | None = None) -> int:
    stmt = select(func.count()).select_from(Notification).where(
        _inbox_filter(user_id, org_id, held), col(Notification.read_at).is_(None))
    return session.exec(stmt).one()


def waiting_count(session: Session, *, user_id: int, org_id: int | None, held: datetime) -> int:
    """How many messages wait for a daily-digest user's next digest."""
    stmt = select(func.count()).select_from(Notification).where(
        _inbox_filter(user_id, org_id), col(Notification.created_at) >= held)
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


def mark_all_read(session: Session, *, user_id: int, org_id: int | None, held: datetime | None = None) -> int:
    """Mark every unread notification the user can see read (a digest user: up to ``held``). Commits."""
    rows = session.exec(select(Notification).where(
        _inbox_filter(user_id, org_id, held), col(Notification.read_at).is_(None))).all()
    now = datetime.now(UTC)
    for row in rows:
        row.read_at = now
        session.add(row)
    session.commit()
    return len(rows)

"""通知公告: staff publish announcements to everyone or to chosen kinds of organisation, with a
publish and an expiry date; people see the ones addressed to them, with read state per user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import Session, col, func, or_, select

from models import Announcement, AnnouncementRead, Organisation, User
from models.organisation import ORG_KIND_LABELS
from web.presentation.times import day_start
from web.services import audit
from web.services.errors import NotFound, ValidationFailed
from web.services.paging import Page

CATEGORIES: dict[str, str] = {"policy": "政策通知", "event": "活动预告", "notice": "平台公告"}
TITLE_MAX, BODY_MAX = 100, 5000


def _parse_day(errors: dict[str, str], raw: Any, field: str, label: str) -> date | None:
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = f"{label}格式应为 YYYY-MM-DD"
        return None


def publish(session: Session, *, actor_id: int, values: dict[str, Any], audience: list[str], tz: tzinfo,
            today: date | None = None) -> Announcement:
    """Publish an announcement (from its publish date, until its expiry date: days in the platform's
    zone ``tz``). Commits."""
    today = today or datetime.now(tz).date()
    errors: dict[str, str] = {}
    title = str(values.get("title") or "").strip()
    body = str(values.get("body") or "").strip()
    category = str(values.get("category") or "")
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过{TITLE_MAX}个字"
    if not body:
        errors["body"] = "请填写正文"
    elif len(body) > BODY_MAX:
        errors["body"] = f"正文不能超过{BODY_MAX}个字"
    if category not in CATEGORIES:
        errors["category"] = "请选择公告类型"
    unknown = [k for k in audience if k not in ORG_KIND_LABELS]
    if unknown:
        errors["audience"] = "发布对象中有未知的机构类型"
    start = _parse_day(errors, values.get("publish_on"), "publish_on", "发布日期") or today
    end = _parse_day(errors, values.get("expires_on"), "expires_on", "截止日期")
    if "publish_on" not in errors and start < today:
        errors["publish_on"] = "发布日期不能早于今天"
    if end is not None and "expires_on" not in errors and end < start:
        errors["expires_on"] = "截止日期不能早于发布日期"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    row = Announcement(title=title, body=body, category=category, audience=sorted(set(audience)),
                       publish_at=day_start(start, tz) if start > today else datetime.now(UTC),
                       expires_at=day_start(end + timedelta(days=1), tz) if end else None, created_by=actor_id)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action="announcement.publish", object_type="announcement",
                 object_id=row.id, detail={"title": title, "audience": row.audience or ["全部"]})
    session.commit()
    return row


def withdraw(session: Session, *, actor_id: int, announcement_id: int) -> Announcement:
    """Take an announcement down for everyone. Commits."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise NotFound("未找到该公告")
    if row.withdrawn_at is None:
        row.withdrawn_at = datetime.now(UTC)
        session.add(row)
        audit.record(session, actor_id=actor_id, action="announcement.withdraw", object_type="announcement",
                     object_id=row.id, detail={"title": row.title})
        session.commit()
    return row


def list_all(session: Session, *, page: int = 1, per_page: int = 20) -> Page:
    """Every announcement for the staff page, newest first."""
    total = session.exec(select(func.count()).select_from(Announcement)).one()
    rows = session.exec(select(Announcement).order_by(col(Announcement.publish_at).desc(), col(Announcement.id).desc())
                        .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), total, max(1, page), per_page)


def _org_kind(session: Session, user_id: int | None) -> tuple[bool, str | None]:
    """(is_internal, org kind) of a user; anonymous visitors are neither."""
    if user_id is None:
        return False, None
    user = session.get(User, user_id)
    if user is None:
        return False, None
    org = session.get(Organisation, user.org_id) if user.org_id else None
    return org is None and user.role in ("staff", "official", "admin"), org.kind if org else None


def _reaches(row: Announcement, *, internal: bool, kind: str | None) -> bool:
    # Staff, officials and admins see everything staff publish, so they know what went out.
    return internal or not row.audience or (kind is not None and kind in row.audience)


@dataclass(frozen=True)
class Visible:
    item: Announcement
    read: bool

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.item.category, self.item.category)


def visible(session: Session, *, user_id: int | None, now: datetime | None = None, limit: int = 50) -> list[Visible]:
    """Live announcements addressed to this user (or, anonymous, to everyone), newest first."""
    now = now or datetime.now(UTC)
    internal, kind = _org_kind(session, user_id)
    rows = session.exec(select(Announcement).where(
        col(Announcement.withdrawn_at).is_(None), col(Announcement.publish_at) <= now,
        or_(col(Announcement.expires_at).is_(None), col(Announcement.expires_at) > now))
        .order_by(col(Announcement.publish_at).desc(), col(Announcement.id).desc())).all()
    mine = [r for r in rows if _reaches(r, internal=internal, kind=kind)]
    read = set()
    if user_id is not None and mine:
        read = set(session.exec(select(AnnouncementRead.announcement_id).where(
            AnnouncementRead.user_id == user_id,
            col(AnnouncementRead.announcement_id).in_([r.id for r in mine]))).all())
    return [Visible(r, r.id in read) for r in mine[:limit]]


def unread_count(session: Session, *, user_id: int) -> int:
    return sum(not v.read for v in visible(session, user_id=user_id))


def mark_read(session: Session, *, user_id: int, announcement_id: int) -> None:
    """Mark one live announcement addressed to the user read. Commits."""
    found = next((v for v in visible(session, user_id=user_id, limit=10_000) if v.item.id == announcement_id), None)
    if found is None:
        raise NotFound("未找到该公告，或它不是发给您的")
    if not found.read:
        session.add(AnnouncementRead(announcement_id=announcement_id, user_id=user_id))
        session.commit()


def audience_label(audience: list[str]) -> str:
    return "全部用户" if not audience else "、".join(ORG_KIND_LABELS.get(k, k) for k in audience)

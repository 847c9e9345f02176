"""The audit trail: entries written in the transaction of the change they record, and read back
(listed and filtered) for the staff page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlmodel import Session, col, func, or_, select

from models import AuditLog, User
from web.services.audit_labels import (
    AREA_LABELS,
    OBJECT_LABELS,
    action_label,
    key_label,
    value_text,
)
from web.services.paging import Page


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    actor_name: str

    @property
    def action_label(self) -> str:
        return action_label(self.entry.action)

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.entry.object_type, self.entry.object_type)

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        """The detail as (label, value) in Chinese where the key or code is known."""
        return [(key_label(key), value_text(key, value)) for key, value in (self.entry.detail or {}).items()]


def list_audit(session: Session, *, tz: tzinfo, action: str | None = None, actor: str | None = None,
               date_from: date | None = None, date_to: date | None = None,
               page: int = 1, per_page: int = 50) -> Page:
    """Audit entries, newest first, filtered by action, actor (username or name) and date range
    (days as they are in ``tz``, the zone the page shows)."""
    stmt = select(AuditLog, User).join(User, col(User.id) == AuditLog.actor_id, isouter=True)
    count = select(func.count()).select_from(AuditLog).join(User, col(User.id) == AuditLog.actor_id,
                                                             isouter=True)
    conds = []
    if action:
        conds.append(col(AuditLog.action) == action if "." in action
                     else col(AuditLog.action).startswith(action + "."))
    if actor and actor.strip():
        like = f"%{actor.strip()}%"
        conds.append(or_(col(User.username).ilike(like), col(User.display_name).ilike(like)))
    if date_from:
        conds.append(col(AuditLog.created_at) >= datetime.combine(date_from, time.min, tz).astimezone(UTC))
    if date_to:
        conds.append(col(AuditLog.created_at)
                     < datetime.combine(date_to + timedelta(days=1), time.min, tz).astimezone(UTC))
    for c in conds:
        stmt, count = stmt.where(c), count.where(c)
    page = max(1, page)
    total = session.exec(count).one()
    rows = session.exec(stmt.order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page([AuditRow(e, (u.display_name or u.username) if u else "系统") for e, u in rows],
                total, page, per_page)


def known_actions(session: Session) -> list[tuple[str, str]]:
    """(value, label) for the filter: each area (all its actions), then every action in the log,
    by label."""
    seen = set(session.exec(select(AuditLog.action).distinct()).all())
    areas = sorted({a.split(".", 1)[0] for a in seen if "." in a})
    return ([(area, f"全部{AREA_LABELS.get(area, area)}操作") for area in areas]
            + sorted(((a, action_label(a)) for a in seen), key=lambda pair: pair[1]))


def record(
    session: Session, *, actor_id: int | None, action: str, object_type: str,
    object_id: int | None = None, detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row (flushes only: the caller's action commits it with the change)."""
    entry = AuditLog(actor_id=actor_id, action=action, object_type=object_type,
                     object_id=object_id, detail=detail or {})
    session.add(entry)
    session.flush()
    return entry

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
from web.services.excel import Sheet, workbook_bytes
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


@dataclass(frozen=True)
class AuditFilters:
    tz: tzinfo  # the zone the page shows: days are read as days there
    action: str | None = None  # an action ("match.approve") or its area ("match")
    actor: str | None = None  # part of a username or name
    object_type: str | None = None
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _filtered(stmt: Any, f: AuditFilters) -> Any:
    if f.action:
        stmt = stmt.where(col(AuditLog.action) == f.action if "." in f.action
                          else col(AuditLog.action).startswith(f.action + "."))
    if f.actor and f.actor.strip():
        like = f"%{f.actor.strip()}%"
        stmt = stmt.where(or_(col(User.username).ilike(like), col(User.display_name).ilike(like)))
    if f.object_type:
        stmt = stmt.where(col(AuditLog.object_type) == f.object_type)
    if f.object_id is not None:
        stmt = stmt.where(col(AuditLog.object_id) == f.object_id)
    if f.date_from:
        stmt = stmt.where(col(AuditLog.created_at) >= datetime.combine(f.date_from, time.min, f.tz).astimezone(UTC))
    if f.date_to:
        stmt = stmt.where(col(AuditLog.created_at)
                          < datetime.combine(f.date_to + timedelta(days=1), time.min, f.tz).astimezone(UTC))
    return stmt


def _rows(session: Session, f: AuditFilters, *, offset: int, limit: int) -> list[AuditRow]:
    stmt = _filtered(select(AuditLog, User).join(User, col(User.id) == AuditLog.actor_id, isouter=True), f)
    rows = session.exec(stmt.order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
                        .offset(offset).limit(limit)).all()
    return [AuditRow(e, (u.display_name or u.username) if u else "系统") for e, u in rows]


def list_audit(session: Session, *, tz: tzinfo, action: str | None = None, actor: str | None = None,
               date_from: date | None = None, date_to: date | None = None, object_type: str | None = None,
               object_id: int | None = None, page: int = 1, per_page: int = 50) -> Page:
    """Audit entries (操作日志), newest first, filtered by action, actor (username or name),
    object and date range (days as they are in ``tz``, the zone the page shows)."""
    f = AuditFilters(tz=tz, action=action, actor=actor, object_type=object_type, object_id=object_id,
                     date_from=date_from, date_to=date_to)
    count = _filtered(select(func.count()).select_from(AuditLog)
                      .join(User, col(User.id) == AuditLog.actor_id, isouter=True), f)
    page = max(1, page)
    return Page(_rows(session, f, offset=(page - 1) * per_page, limit=per_page), session.exec(count).one(),
                page, per_page)


EXPORT_LIMIT = 50_000


def audit_xlsx(session: Session, *, filters: AuditFilters) -> bytes:
    """The filtered audit entries as an Excel workbook (local time; at most EXPORT_LIMIT rows)."""
    rows = _rows(session, filters, offset=0, limit=EXPORT_LIMIT)
    return workbook_bytes([Sheet("操作日志", ["时间", "操作人", "操作", "操作代码", "对象", "对象编号", "详情"], (
        (r.entry.created_at, r.actor_name, r.action_label, r.entry.action, r.object_label,
         r.entry.object_id, "；".join(f"{k}：{v}" for k, v in r.detail_items)) for r in rows))],
        tz=filters.tz)


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

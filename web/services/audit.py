"""The audit trail: entries written in the transaction of the change they record (sealed into a
hash chain when it commits, see models.audit_chain), read back (listed and filtered) for the
staff page, verified, and exported for auditors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Any

from sqlmodel import Session, col, func, or_, select

from models import AuditLog, AuditPersonal, User, audit_chain
from web.presentation.times import day_start
from web.services.audit_labels import (
    AREA_LABELS,
    OBJECT_LABELS,
    action_label,
    key_label,
    value_text,
)
from web.services.excel import Sheet, workbook_bytes
from web.services.paging import Page

# Detail keys that name a person: kept beside the entry (AuditPersonal), erasable on request.
PERSONAL_KEYS = frozenset({"username", "ip", "display_name", "contact_name", "contact_phone",
                           "contact_email"})


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    actor_name: str
    personal: dict[str, Any] | None = None  # None: the entry names no person, or it was erased

    @property
    def erased(self) -> bool:
        return self.personal is None and bool(self.entry.personal_digest)

    @property
    def action_label(self) -> str:
        return action_label(self.entry.action)

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.entry.object_type, self.entry.object_type)

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        """The detail as (label, value) in Chinese where the key or code is known."""
        items = [(key_label(key), value_text(key, value))
                 for key, value in {**(self.personal or {}), **(self.entry.detail or {})}.items()]
        if self.erased:
            items.append(("个人信息", "已按本人申请删除"))
        return items


def _actor_name(entry: AuditLog, user: User | None) -> str:
    if entry.actor_id is None:
        return "系统"
    # An account created after the entry is not its actor (SQLite may reuse a deleted account's id).
    if user is None or user.created_at > entry.created_at:
        return f"已删除的账号 #{entry.actor_id}"
    return user.display_name or user.username


@dataclass(frozen=True)
class AuditFilters:
    tz: tzinfo  # the zone the page shows: days are read as days there
    action: str | None = None  # an action ("match.approve") or its area ("match")
    actor: str | None = None  # part of a username or name
    object_type: str | None = None
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def described(self) -> str:
        return "；".join(f"{label}：{value}" for label, value in (
            ("操作", self.action), ("操作人", self.actor), ("对象", self.object_type), ("对象编号", self.object_id),
            ("起始日期", self.date_from), ("截止日期", self.date_to)) if value) or "全部"


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
        stmt = stmt.where(col(AuditLog.created_at) >= day_start(f.date_from, f.tz))
    if f.date_to:
        stmt = stmt.where(col(AuditLog.created_at) < day_start(f.date_to + timedelta(days=1), f.tz))
    return stmt


def _joined() -> Any:
    return (select(AuditLog, User, AuditPersonal)
            .join(User, col(User.id) == AuditLog.actor_id, isouter=True)
            .join(AuditPersonal, col(AuditPersonal.audit_id) == AuditLog.id, isouter=True))


def newest_first(f: AuditFilters) -> Any:
    """The filtered entries with their actor and personal fields, newest first (read from
    the (created_at, id) index, not sorted whole)."""
    return _filtered(_joined(), f).order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())


def _count(session: Session, f: AuditFilters) -> int:
    return session.exec(_filtered(select(func.count()).select_from(AuditLog)
                                  .join(User, col(User.id) == AuditLog.actor_id, isouter=True), f)).one()


def list_audit(session: Session, *, tz: tzinfo, action: str | None = None, actor: str | None = None,
               date_from: date | None = None, date_to: date | None = None, object_type: str | None = None,
               object_id: int | None = None, page: int = 1, per_page: int = 50) -> Page:
    """Audit entries (操作日志), newest first, filtered by action, actor (username or name),
    object and date range (days as they are in ``tz``, the zone the page shows)."""
    f = AuditFilters(tz=tz, action=action, actor=actor, object_type=object_type, object_id=object_id,
                     date_from=date_from, date_to=date_to)
    page = max(1, page)
    rows = session.exec(newest_first(f).offset((page - 1) * per_page).limit(per_page)).all()
    return Page([AuditRow(e, _actor_name(e, u), p.data if p else None) for e, u, p in rows],
                _count(session, f), page, per_page)


def known_actions(session: Session) -> list[tuple[str, str]]:
    """(value, label) for the filter: each area (all its actions), then every action in the log,
    by label."""
    seen = set(session.exec(select(AuditLog.action).distinct()).all())
    areas = sorted({a.split(".", 1)[0] for a in seen if "." in a})
    return ([(area, f"全部{AREA_LABELS.get(area, area)}操作") for area in areas]
            + sorted(((a, action_label(a)) for a in seen), key=lambda pair: pair[1]))

def record(
    session: Session, *, actor_id: int | None, action: str, object_type: str,
    object_id: int | None = None, detail: dict[str, Any] | None = None, subject_id: int | None = None,
) -> AuditLog:
    """Add an audit entry to the caller's transaction (flushes only: the caller's action commits
    it with the change, and the commit seals it into the chain).

    Detail keys in PERSONAL_KEYS are kept apart as the personal fields of ``subject_id``'s
    account (default: the account acted on, else the actor), so that they can be erased.
    """
    rest = dict(detail or {})
    personal = {key: rest.pop(key) for key in list(rest) if key in PERSONAL_KEYS}
    if subject_id is None:
        subject_id = object_id if object_type == "user" else actor_id
    entry = AuditLog(actor_id=actor_id, action=action, object_type=object_type,
                     object_id=object_id, detail=rest)
    audit_chain.append(session, entry, personal=personal, subject_id=subject_id)
    session.flush()
    return entry


def verify_chain(session: Session) -> audit_chain.ChainReport:
    """Check every entry's hash and link, and the chain head (read only)."""
    return audit_chain.verify(session)


EXPORT_LIMIT = 100_000  # rows per file; a longer period is exported in parts, by date
EXPORT_HEADERS = ("编号", "时间", "操作人", "操作人账号编号", "操作", "操作代码", "对象", "对象编号",
                  "详情", "上一条哈希", "本条哈希")


def export_xlsx(session: Session, *, actor_id: int | None, filters: AuditFilters) -> bytes:
    """The filtered audit log as .xlsx for auditors, oldest first, times in the platform's zone,
    each row with its chain hashes; a second sheet holds the whole chain's verification. The
    export is itself audited. Commits."""
    report = verify_chain(session)
    total = _count(session, filters)
    found = session.exec(_filtered(_joined(), filters).order_by(col(AuditLog.id)).limit(EXPORT_LIMIT)).all()
    rows = []
    for e, u, p in found:
        r = AuditRow(e, _actor_name(e, u), p.data if p else None)
        rows.append((e.id, e.created_at, r.actor_name, e.actor_id, r.action_label,
                     e.action, r.object_label, e.object_id, "；".join(f"{k}：{v}" for k, v in r.detail_items),
                     e.prev_hash, e.row_hash))
    shown = len(rows)
    conditions = filters.described()
    check = [
        ("校验时间", report.checked_at),
        ("校验结果", "完整" if report.ok else "发现问题"), ("说明", report.summary()),
        ("审计记录总数", report.rows), ("最后一条编号", report.last_id), ("链头哈希", report.last_hash),
        ("导出条件", conditions), ("导出条数", f"{shown}" + (f"（共 {total} 条，单个文件上限 {EXPORT_LIMIT} 条，请按日期分段导出）"
                                                    if total > shown else "")),
        ("哈希算法", "本条哈希 = SHA-256(上一条哈希 + 换行 + 记录内容的规范 JSON)；第一条的上一条哈希为 64 个 0"),
        *(("问题", problem) for problem in report.problems),
    ]
    data = workbook_bytes([Sheet("审计日志", EXPORT_HEADERS, rows), Sheet("完整性校验", ("项目", "内容"), check)],
                          tz=filters.tz)
    record(session, actor_id=actor_id, action="audit.export", object_type="system",
           detail={"rows": shown, "conditions": conditions})
    session.commit()
    return data

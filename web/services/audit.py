"""The audit trail: entries written in the transaction of the change they record (sealed into a
hash chain when it commits, see models.audit_chain), read back (listed and filtered) for the
staff page, verified, and exported for auditors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlmodel import Session, col, func, or_, select

from models import AuditLog, AuditPersonal, User, audit_chain
from models.match import MATCH_STATUS_LABELS
from web.services.excel import Sheet, workbook_bytes
from web.services.paging import Page

BEIJING = timezone(timedelta(hours=8), "北京时间")  # auditors read the export in Beijing time
# Detail keys that name a person: kept beside the entry (AuditPersonal), erasable on request.
PERSONAL_KEYS = frozenset({"username", "ip", "display_name", "contact_name", "contact_phone",
                           "contact_email"})

ACTION_LABELS: dict[str, str] = {
    "match.approve": "批准匹配", "match.reject": "驳回匹配", "match.create_manual": "手动撮合",
    "match.move": "撮合进展", "contract.create": "登记合同",
    "ranking.train": "训练排序模型", "ranking.rollback": "回滚排序模型",
    "auth.login": "登录", "auth.login_failed": "登录失败", "auth.login_throttled": "登录受限",
    "auth.login_disabled": "停用账号尝试登录", "auth.logout": "退出登录", "user.unlock": "解除登录限制",
    "audit.export": "导出审计日志",
}

OBJECT_LABELS: dict[str, str] = {"match": "匹配", "contract": "合同", "user": "账号", "organisation": "机构",
                                 "need": "需求", "offer": "服务", "indicator": "指标",
                                 "ranking_model": "排序模型"}
DETAIL_LABELS: dict[str, str] = {
    "from": "原状态", "to": "新状态", "note": "说明", "reason": "原因", "reason_code": "原因代码",
    "match_id": "匹配编号", "need_id": "需求编号", "offer_id": "服务编号", "amount_wan": "金额（万元）",
    "signed_on": "签约日期", "contract_type": "合同类型",
    "result": "结果", "version": "模型版本", "activated": "是否启用",
    "username": "用户名", "ip": "IP 地址", "rows": "条数", "conditions": "条件",
}


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
        return ACTION_LABELS.get(self.entry.action, self.entry.action)

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.entry.object_type, self.entry.object_type)

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        """The detail as (label, value) in Chinese where the key or status is known."""
        items = []
        for key, value in {**(self.personal or {}), **(self.entry.detail or {})}.items():
            shown = MATCH_STATUS_LABELS.get(value, value) if key in ("from", "to") else value
            items.append((DETAIL_LABELS.get(key, key), str(shown)))
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


def list_audit(session: Session, *, action: str | None = None, actor: str | None = None,
               date_from: date | None = None, date_to: date | None = None,
               page: int = 1, per_page: int = 50) -> Page:
    """Audit entries, newest first, filtered by action, actor (username or name) and date range."""
    stmt = (select(AuditLog, User, AuditPersonal)
            .join(User, col(User.id) == AuditLog.actor_id, isouter=True)
            .join(AuditPersonal, col(AuditPersonal.audit_id) == AuditLog.id, isouter=True))
    count = select(func.count()).select_from(AuditLog).join(User, col(User.id) == AuditLog.actor_id,
                                                             isouter=True)
    conds = _filters(action=action, actor=actor, date_from=date_from, date_to=date_to)
    for c in conds:
        stmt, count = stmt.where(c), count.where(c)
    page = max(1, page)
    total = session.exec(count).one()
    rows = session.exec(stmt.order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page([AuditRow(e, _actor_name(e, u), p.data if p else None) for e, u, p in rows],
                total, page, per_page)


def _filters(*, action: str | None, actor: str | None, date_from: date | None,
             date_to: date | None) -> list[Any]:
    conds = []
    if action:
        conds.append(col(AuditLog.action) == action if "." in action
                     else col(AuditLog.action).startswith(action + "."))
    if actor and actor.strip():
        like = f"%{actor.strip()}%"
        conds.append(or_(col(User.username).ilike(like), col(User.display_name).ilike(like)))
    if date_from:
        conds.append(col(AuditLog.created_at) >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        conds.append(col(AuditLog.created_at) < datetime.combine(date_to + timedelta(days=1), time.min, UTC))
    return conds


def known_actions(session: Session) -> list[tuple[str, str]]:
    """(action, label) for the filter: every action in the log plus the ones named here."""
    seen = set(session.exec(select(AuditLog.action).distinct()).all()) | set(ACTION_LABELS)
    return [(a, ACTION_LABELS.get(a, a)) for a in sorted(seen)]


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
EXPORT_HEADERS = ("编号", "时间（北京时间）", "操作人", "操作人账号编号", "操作", "操作代码", "对象", "对象编号",
                  "详情", "上一条哈希", "本条哈希")


def export_xlsx(session: Session, *, actor_id: int | None, action: str | None = None,
                actor: str | None = None, date_from: date | None = None,
                date_to: date | None = None) -> bytes:
    """The filtered audit log as .xlsx for auditors, oldest first, times in Beijing time, each
    row with its chain hashes; a second sheet holds the whole chain's verification. The export
    is itself audited. Commits."""
    report = verify_chain(session)
    conds = _filters(action=action, actor=actor, date_from=date_from, date_to=date_to)
    stmt = (select(AuditLog, User, AuditPersonal)
            .join(User, col(User.id) == AuditLog.actor_id, isouter=True)
            .join(AuditPersonal, col(AuditPersonal.audit_id) == AuditLog.id, isouter=True))
    for c in conds:
        stmt = stmt.where(c)
    count = select(func.count()).select_from(AuditLog).join(User, col(User.id) == AuditLog.actor_id,
                                                             isouter=True)
    for c in conds:
        count = count.where(c)
    total = session.exec(count).one()
    found = session.exec(stmt.order_by(col(AuditLog.id)).limit(EXPORT_LIMIT)).all()
    rows = []
    for e, u, p in found:
        r = AuditRow(e, _actor_name(e, u), p.data if p else None)
        rows.append((e.id, e.created_at.astimezone(BEIJING), r.actor_name, e.actor_id, r.action_label,
                     e.action, r.object_label, e.object_id, "；".join(f"{k}：{v}" for k, v in r.detail_items),
                     e.prev_hash, e.row_hash))
    shown = len(rows)
    conditions = "；".join(f"{label}：{value}" for label, value in (
        ("操作", action), ("操作人", actor), ("起始日期", date_from), ("截止日期", date_to)) if value) or "全部"
    check = [
        ("校验时间（北京时间）", report.checked_at.astimezone(BEIJING)),
        ("校验结果", "完整" if report.ok else "发现问题"), ("说明", report.summary()),
        ("审计记录总数", report.rows), ("最后一条编号", report.last_id), ("链头哈希", report.last_hash),
        ("导出条件", conditions), ("导出条数", f"{shown}" + (f"（共 {total} 条，单个文件上限 {EXPORT_LIMIT} 条，请按日期分段导出）"
                                                    if total > shown else "")),
        ("哈希算法", "本条哈希 = SHA-256(上一条哈希 + 换行 + 记录内容的规范 JSON)；第一条的上一条哈希为 64 个 0"),
        *(("问题", problem) for problem in report.problems),
    ]
    data = workbook_bytes([Sheet("审计日志", EXPORT_HEADERS, rows), Sheet("完整性校验", ("项目", "内容"), check)])
    record(session, actor_id=actor_id, action="audit.export", object_type="system",
           detail={"rows": shown, "conditions": conditions})
    session.commit()
    return data

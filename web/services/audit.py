"""The audit trail: entries written in the transaction of the change they record, and read back
(listed and filtered) for the staff page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, func, or_, select

from models import AuditLog, User
from models.match import MATCH_STATUS_LABELS
from web.services.excel import Sheet, workbook_bytes
from web.services.paging import Page

ACTION_LABELS: dict[str, str] = {
    "match.approve": "批准匹配", "match.reject": "驳回匹配", "match.create_manual": "手动撮合",
    "match.move": "撮合进展", "contract.create": "登记合同",
    "ranking.train": "训练排序模型", "ranking.rollback": "回滚排序模型",
    "auth.login": "登录", "auth.login_failed": "登录失败", "auth.login_throttled": "登录受限",
    "auth.login_disabled": "停用账号尝试登录", "auth.logout": "退出登录",
    "user.create": "开通账号", "user.update": "修改账号", "user.enable": "启用账号", "user.disable": "停用账号",
    "user.password_reset": "重置密码", "user.password_change": "修改密码", "user.invite": "邀请同事",
    "user.unlock": "解除登录限制", "session.end": "强制下线", "session.end_all": "强制退出全部登录",
    "job.run": "手动运行任务", "job.enable": "启用任务", "job.disable": "停用任务",
    "dict.create": "新增字典项", "dict.update": "修改字典项", "dict.retire": "停用字典项",
    "dict.restore": "恢复字典项", "dict.delete": "删除字典项",
    "announcement.publish": "发布公告", "announcement.withdraw": "撤回公告",
    "organisation.merge": "合并机构", "organisation.deactivate": "停用机构", "organisation.reactivate": "恢复机构",
}

OBJECT_LABELS: dict[str, str] = {"match": "匹配", "contract": "合同", "user": "账号", "organisation": "机构",
                                 "need": "需求", "offer": "服务", "indicator": "指标", "job": "定时任务",
                                 "dict": "字典项", "announcement": "公告", "ranking_model": "排序模型"}
DETAIL_LABELS: dict[str, str] = {
    "from": "原状态", "to": "新状态", "note": "说明", "reason": "原因", "reason_code": "原因代码",
    "match_id": "匹配编号", "need_id": "需求编号", "offer_id": "服务编号", "amount_wan": "金额（万元）",
    "signed_on": "签约日期", "contract_type": "合同类型",
    "result": "结果", "version": "模型版本", "activated": "是否启用",
}


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    actor_name: str

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
        for key, value in (self.entry.detail or {}).items():
            shown = MATCH_STATUS_LABELS.get(value, value) if key in ("from", "to") else value
            items.append((DETAIL_LABELS.get(key, key), str(shown)))
        return items


@dataclass(frozen=True)
class AuditFilters:
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
        stmt = stmt.where(col(AuditLog.created_at) >= datetime.combine(f.date_from, time.min, UTC))
    if f.date_to:
        stmt = stmt.where(col(AuditLog.created_at) < datetime.combine(f.date_to + timedelta(days=1), time.min, UTC))
    return stmt


def _rows(session: Session, f: AuditFilters, *, offset: int, limit: int) -> list[AuditRow]:
    stmt = _filtered(select(AuditLog, User).join(User, col(User.id) == AuditLog.actor_id, isouter=True), f)
    rows = session.exec(stmt.order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
                        .offset(offset).limit(limit)).all()
    return [AuditRow(e, (u.display_name or u.username) if u else "系统") for e, u in rows]


def list_audit(session: Session, *, action: str | None = None, actor: str | None = None,
               date_from: date | None = None, date_to: date | None = None, object_type: str | None = None,
               object_id: int | None = None, page: int = 1, per_page: int = 50) -> Page:
    """Audit entries (操作日志), newest first, filtered by action, actor (username or name),
    object and date range."""
    f = AuditFilters(action=action, actor=actor, object_type=object_type, object_id=object_id,
                     date_from=date_from, date_to=date_to)
    count = _filtered(select(func.count()).select_from(AuditLog)
                      .join(User, col(User.id) == AuditLog.actor_id, isouter=True), f)
    page = max(1, page)
    return Page(_rows(session, f, offset=(page - 1) * per_page, limit=per_page), session.exec(count).one(),
                page, per_page)


EXPORT_LIMIT = 50_000


def audit_xlsx(session: Session, *, filters: AuditFilters) -> bytes:
    """The filtered audit entries as an Excel workbook (Beijing time; at most EXPORT_LIMIT rows)."""
    rows = _rows(session, filters, offset=0, limit=EXPORT_LIMIT)
    return workbook_bytes([Sheet("操作日志", ["时间（北京时间）", "操作人", "操作", "操作代码", "对象", "对象编号", "详情"], (
        (r.entry.created_at, r.actor_name, r.action_label, r.entry.action, r.object_label,
         r.entry.object_id, "；".join(f"{k}：{v}" for k, v in r.detail_items)) for r in rows))])


def known_actions(session: Session) -> list[tuple[str, str]]:
    """(action, label) for the filter: every action in the log plus the ones named here."""
    seen = set(session.exec(select(AuditLog.action).distinct()).all()) | set(ACTION_LABELS)
    return [(a, ACTION_LABELS.get(a, a)) for a in sorted(seen)]


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

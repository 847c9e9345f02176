"""The audit trail: entries written in the transaction of the change they record, and read back
(listed and filtered) for the staff page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, func, or_, select

from models import AuditLog, User
from models.match import MATCH_STATUS_LABELS
from web.services.paging import Page

ACTION_LABELS: dict[str, str] = {
    "match.approve": "批准匹配", "match.reject": "驳回匹配", "match.create_manual": "手动撮合",
    "match.move": "撮合进展", "contract.create": "登记合同",
    "ranking.train": "训练排序模型", "ranking.rollback": "回滚排序模型",
    "auth.login": "登录", "auth.login_failed": "登录失败", "auth.login_throttled": "登录受限",
    "auth.login_disabled": "停用账号尝试登录", "auth.logout": "退出登录", "user.unlock": "解除登录限制",
}

OBJECT_LABELS: dict[str, str] = {"match": "匹配", "contract": "合同", "user": "账号", "organisation": "机构",
                                 "need": "需求", "offer": "服务", "indicator": "指标",
                                 "ranking_model": "排序模型"}
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


def list_audit(session: Session, *, action: str | None = None, actor: str | None = None,
               date_from: date | None = None, date_to: date | None = None,
               page: int = 1, per_page: int = 50) -> Page:
    """Audit entries, newest first, filtered by action, actor (username or name) and date range."""
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
        conds.append(col(AuditLog.created_at) >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        conds.append(col(AuditLog.created_at) < datetime.combine(date_to + timedelta(days=1), time.min, UTC))
    for c in conds:
        stmt, count = stmt.where(c), count.where(c)
    page = max(1, page)
    total = session.exec(count).one()
    rows = session.exec(stmt.order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page([AuditRow(e, (u.display_name or u.username) if u else "系统") for e, u in rows],
                total, page, per_page)


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

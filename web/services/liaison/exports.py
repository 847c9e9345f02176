"""包联 in Excel: the visit log and the 诉求 with their steps (times in Beijing time)."""

from __future__ import annotations

from datetime import date, tzinfo

from sqlmodel import Session, col, select

from models import Organisation, Visit
from web.presentation.times import default_today
from web.services.excel import Sheet, workbook_bytes
from web.services.liaison import appeals


def export_visits(session: Session, *, tz: tzinfo) -> bytes:
    """Every visit, newest first."""
    rows = session.exec(select(Visit, Organisation).join(Organisation, col(Organisation.id) == Visit.org_id)
                        .order_by(col(Visit.visited_on).desc(), col(Visit.id).desc())).all()
    return workbook_bytes([Sheet("走访记录", ["统一社会信用代码", "企业名称", "走访日期", "走访人员", "走访内容",
                                          "登记时间"],
                                 [[o.credit_code, o.name, v.visited_on, v.visitors, v.summary, v.created_at]
                                  for v, o in rows])], tz=tz)


def export_appeals(session: Session, *, today: date | None = None, tz: tzinfo) -> bytes:
    """Every 诉求 with status and overdue flag, and every step on a second sheet."""
    today = today or default_today()
    items = appeals.list_appeals(session)
    main = [[r.org.credit_code, r.org.name, r.appeal.category, r.appeal.description, r.appeal.department,
             r.appeal.deadline, appeals.STATUS_LABELS[r.appeal.status], "是" if r.overdue(today) else "否",
             r.appeal.created_at, r.appeal.closed_at] for r in items]
    steps = [[r.org.name, r.appeal.category, s.step.created_at, s.actor,
              appeals.STATUS_LABELS[s.step.to_status], s.step.note, "是" if s.step.shared else "否"]
             for r in items for s in appeals.steps_of(session, appeal_id=r.appeal.id or 0)]
    return workbook_bytes([
        Sheet("诉求", ["统一社会信用代码", "企业名称", "类别", "诉求内容", "责任部门", "办结时限", "状态", "逾期",
                     "登记时间", "办结时间"], main),
        Sheet("办理过程", ["企业名称", "类别", "时间", "经办人", "状态", "办理情况", "告知企业"], steps),
    ], tz=tz)

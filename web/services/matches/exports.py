"""Excel exports of the staff work: the review queue, the pipeline and the contracts."""

from __future__ import annotations

from datetime import tzinfo

from sqlmodel import Session

from models.match import MATCH_STATUS_LABELS, PIPELINE_STAGES
from web.services.excel import Sheet, workbook_bytes
from web.services.matches.pipeline import board, list_contracts
from web.services.matches.review import QueueFilters, all_queue


def queue_xlsx(session: Session, *, filters: QueueFilters, tz: tzinfo) -> bytes:
    """The filtered review queue as .xlsx."""
    rows = [
        (v.match.id, float(v.match.score), v.need.category, v.need.title, v.enterprise.name,
         v.offer.title, v.provider.name, "、".join(v.terms), "；".join(f.label for f in v.flags),
         "手动" if v.match.source == "manual" else "系统推荐", v.match.created_at)
        for v in all_queue(session, filters=filters)
    ]
    return workbook_bytes([Sheet("审核队列", ["匹配编号", "匹配度", "类别", "需求", "企业", "服务", "服务机构",
                                          "共同关键词", "风险提示", "来源", "推荐时间"], rows)], tz=tz)


def pipeline_xlsx(session: Session, *, stale_days: int, tz: tzinfo) -> bytes:
    """Every match in the pipeline as .xlsx, one row each."""
    b = board(session, stale_days=stale_days)
    rows = [
        (c.view.match.id, MATCH_STATUS_LABELS[status], c.view.need.title, c.view.enterprise.name,
         c.view.offer.title, c.view.provider.name, c.last_move_at, c.days_since_move,
         "是" if c.stale else "否", c.contract.amount_wan if c.contract else None)
        for status in PIPELINE_STAGES for c in b.columns[status]
    ]
    return workbook_bytes([Sheet("撮合看板", ["匹配编号", "状态", "需求", "企业", "服务", "服务机构",
                                          "最近进展时间", "停滞天数", "是否停滞", "合同金额（万元）"], rows)], tz=tz)


def contracts_xlsx(session: Session) -> bytes:
    """Signed technology contracts as .xlsx (amounts in 万元)."""
    rows = [
        (r.contract.id, r.contract.registration_no, r.contract.contract_type, r.contract.amount_wan,
         r.contract.signed_on, r.view.enterprise.name, r.view.provider.name, r.view.need.title,
         r.view.offer.title, r.view.match.id)
        for r in list_contracts(session)
    ]
    return workbook_bytes([Sheet("技术合同", ["合同编号", "登记号", "合同类型", "金额（万元）", "签约日期",
                                          "企业", "服务机构", "需求", "服务", "匹配编号"], rows)])

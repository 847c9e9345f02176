"""A match's story as both sides read it: the recorded moves in plain words, and its contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models import Contract, MatchEvent
from models.match import MatchStatus


@dataclass(frozen=True)
class Step:
    """One recorded move of a match, as both sides read it."""

    at: datetime
    label: str


# What each move means to the two sides; staff notes stay internal.
STEP_LABELS: dict[str, str] = {
    MatchStatus.proposed: "平台推荐", MatchStatus.approved: "服务专员审核通过，双方信息已公开", MatchStatus.rejected: "未通过审核",
    MatchStatus.contacted: "服务专员已联系双方", MatchStatus.negotiating: "双方洽谈中", MatchStatus.contracted: "签订技术合同",
    MatchStatus.closed: "撮合结束", MatchStatus.withdrawn: "一方已关闭或撤回发布",
}


def match_story(session: Session, *, match_id: int) -> tuple[Contract | None, list[Step]]:
    """The contract (if any, voided or not) and the steps of a match, in the order they were
    recorded (the demo pipeline back-dates its moves, not its proposal).

    Call after :func:`web.services.matches.portal_views.portal_view` has checked the caller may see this match."""
    contract = session.exec(select(Contract).where(Contract.match_id == match_id)).first()
    events = session.exec(select(MatchEvent).where(MatchEvent.match_id == match_id)
                          .order_by(col(MatchEvent.id))).all()
    steps = []
    for e in events:
        if e.from_status == e.to_status == MatchStatus.contracted:
            label = "技术合同信息已更正"
        elif e.from_status == MatchStatus.contracted and e.to_status == MatchStatus.closed:
            label = "技术合同已作废，撮合结束"
        else:
            label = STEP_LABELS.get(e.to_status, e.to_status)
        steps.append(Step(at=e.created_at, label=label))
    return contract, steps

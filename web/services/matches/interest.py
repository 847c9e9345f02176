"""Expressing interest in a match: marks it and tells staff, reveals nothing to the other side."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from models import Match, Need, Offer
from web.services import audit, notifications
from web.services.errors import Forbidden, InvalidTransition, NotFound

# Before staff decide, or after approval while the parties talk; not once it is over.
INTEREST_STATUSES = frozenset({"proposed", "approved", "contacted", "negotiating"})


def own_match(session: Session, *, match_id: int, role: str, org_id: int | None) -> Match:
    """A match one side of which belongs to the caller's organisation; else NotFound."""
    match = session.get(Match, match_id)
    if match is None or org_id is None or role not in ("enterprise", "provider"):
        raise NotFound("未找到该匹配")
    posting = session.get(Need, match.need_id) if role == "enterprise" else session.get(Offer, match.offer_id)
    if posting is None or posting.org_id != org_id:
        raise NotFound("未找到该匹配")
    return match


def express_interest(session: Session, *, match_id: int, user_id: int, role: str,
                     org_id: int | None) -> Match:
    """Mark the caller's side as interested and notify staff (once per side). Commits."""
    if role not in ("enterprise", "provider"):
        raise Forbidden("只有企业或服务机构可以表达合作意向")
    own_match(session, match_id=match_id, role=role, org_id=org_id)
    # Locked and read afresh, so of parallel calls one sets the flag and the rest see it set:
    # one audit row and one notification per side (SQLite's BEGIN IMMEDIATE does the same).
    match = session.exec(select(Match).where(Match.id == match_id).with_for_update()
                         .execution_options(populate_existing=True)).one()
    if match.status not in INTEREST_STATUSES:
        raise InvalidTransition("该匹配已结束或已撤回，不能再表达意向")
    attr = "enterprise_interested" if role == "enterprise" else "provider_interested"
    if getattr(match, attr):
        return match
    setattr(match, attr, True)
    match.updated_at = datetime.now(UTC)
    session.add(match)
    both = match.enterprise_interested and match.provider_interested
    who = "企业" if role == "enterprise" else "服务机构"
    notifications.notify_staff(
        session, kind="interest", title=f"匹配 #{match.id}：{who}表达了合作意向" + ("（双方均有意向）" if both else ""),
        body="请在审核队列中查看并处理。", link=f"/staff/review?match={match.id}", match_id=match.id,
        dedupe_key=f"interest:{match.id}:{role}",
    )
    audit.record(session, actor_id=user_id, action="match.interest", object_type="match",
                 object_id=match.id, detail={"side": role})
    session.commit()
    return match

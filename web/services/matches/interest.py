"""Expressing interest in a match: marks it and tells staff, reveals nothing to the other side."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from models import Match, Need, Offer
from web.services import audit, notifications
from web.services.errors import Forbidden, InvalidTransition, NotFound

# Before staff decide, or after approval while the parties talk; not once it is over.
INTEREST_STATUSES = frozenset({"proposed", "approved", "contacted", "negotiating"})


def _staff_link(match: Match) -> str:
    # Before a decision the match is in the review queue; after it, on the pipeline.
    return f"/staff/review/{match.id}" if match.status == "proposed" else f"/staff/pipeline/{match.id}"


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
    match = own_match(session, match_id=match_id, role=role, org_id=org_id)
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
        body="请在审核队列中查看并处理。", link=_staff_link(match), match_id=match.id,
        dedupe_key=f"interest:{match.id}:{role}",
    )
    audit.record(session, actor_id=user_id, action="match.interest", object_type="match",
                 object_id=match.id, detail={"side": role})
    session.commit()
    return match


def withdraw_interest(session: Session, *, match_id: int, user_id: int, role: str,
                      org_id: int | None) -> Match:
    """Take back the caller's side's interest while the match is still open; tells staff. Commits."""
    if role not in ("enterprise", "provider"):
        raise Forbidden("只有企业或服务机构可以撤回合作意向")
    match = own_match(session, match_id=match_id, role=role, org_id=org_id)
    attr = "enterprise_interested" if role == "enterprise" else "provider_interested"
    if not getattr(match, attr):
        raise InvalidTransition("贵单位尚未表达合作意向，无需撤回")
    if match.status not in INTEREST_STATUSES:
        raise InvalidTransition("该匹配已结束，不能再撤回意向")
    setattr(match, attr, False)
    match.updated_at = datetime.now(UTC)
    session.add(match)
    who = "企业" if role == "enterprise" else "服务机构"
    stamp = match.updated_at.strftime("%Y%m%d%H%M%S%f")
    notifications.notify_staff(
        session, kind="interest", title=f"匹配 #{match.id}：{who}撤回了合作意向",
        body="对方如已联系，请与其确认。", link=_staff_link(match), match_id=match.id,
        dedupe_key=f"interest-withdrawn:{match.id}:{role}:{stamp}",
    )
    audit.record(session, actor_id=user_id, action="match.interest.withdraw", object_type="match",
                 object_id=match.id, detail={"side": role})
    session.commit()
    return match

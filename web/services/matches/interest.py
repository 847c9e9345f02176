"""Expressing interest in a match: marks it and tells staff, reveals nothing to the other side."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from models import Match
from models.match import INTEREST_OPEN
from web.services import audit, notifications
from web.services.errors import InvalidTransition
from web.services.matches.portal_views import own_match
from web.services.notifications import Target
from web.services.postings.side import Side


def express_interest(session: Session, side: Side, *, match_id: int, user_id: int,
                     org_id: int | None) -> Match:
    """Mark the caller's side as interested and notify staff (once per side). Commits."""
    own_match(session, side, match_id=match_id, org_id=org_id)
    # Locked and read afresh, so of parallel calls one sets the flag and the rest see it set:
    # one audit row and one notification per side (SQLite's BEGIN IMMEDIATE does the same).
    match = session.exec(select(Match).where(Match.id == match_id).with_for_update()
                         .execution_options(populate_existing=True)).one()
    if match.status not in INTEREST_OPEN:
        raise InvalidTransition("该匹配已结束或已撤回，不能再表达意向")
    if side.is_interested(match):
        return match
    setattr(match, side.interest_field, True)
    match.updated_at = datetime.now(UTC)
    session.add(match)
    both = match.enterprise_interested and match.provider_interested
    notifications.notify_staff(
        session, kind="interest",
        title=f"匹配 #{match.id}：{side.owner_label}表达了合作意向" + ("（双方均有意向）" if both else ""),
        body="请在审核队列中查看并处理。", target=Target("match", match.id or 0), match_id=match.id,
        dedupe_key=f"interest:{match.id}:{side.role}",
    )
    audit.record(session, actor_id=user_id, action="match.interest", object_type="match",
                 object_id=match.id, detail={"side": side.role})
    session.commit()
    return match


def withdraw_interest(session: Session, side: Side, *, match_id: int, user_id: int,
                      org_id: int | None) -> Match:
    """Take back the caller's side's interest while the match is still open; tells staff. Commits."""
    own_match(session, side, match_id=match_id, org_id=org_id)
    match = session.exec(select(Match).where(Match.id == match_id).with_for_update()
                         .execution_options(populate_existing=True)).one()
    if not side.is_interested(match):
        raise InvalidTransition("贵单位尚未表达合作意向，无需撤回")
    if match.status not in INTEREST_OPEN:
        raise InvalidTransition("该匹配已结束，不能再撤回意向")
    setattr(match, side.interest_field, False)
    match.updated_at = datetime.now(UTC)
    session.add(match)
    stamp = match.updated_at.strftime("%Y%m%d%H%M%S%f")
    notifications.notify_staff(
        session, kind="interest", title=f"匹配 #{match.id}：{side.owner_label}撤回了合作意向",
        body="对方如已联系，请与其确认。", target=Target("match", match.id or 0), match_id=match.id,
        dedupe_key=f"interest-withdrawn:{match.id}:{side.role}:{stamp}",
    )
    audit.record(session, actor_id=user_id, action="match.interest.withdraw", object_type="match",
                 object_id=match.id, detail={"side": side.role})
    session.commit()
    return match

"""Expressing interest in a match: marks it and tells staff, reveals nothing to the other side."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from models import Match
from models.match import INTEREST_OPEN
from web.services import audit, notifications
from web.services.errors import InvalidTransition
from web.services.matches.views import own_match
from web.services.notifications import Target
from web.services.postings.side import Side


def express_interest(session: Session, side: Side, *, match_id: int, user_id: int,
                     org_id: int | None) -> Match:
    """Mark the caller's side as interested and notify staff (once per side). Commits."""
    match = own_match(session, side, match_id=match_id, org_id=org_id)
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

"""Manual matches (手动撮合): staff pair any need with any offer by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from models import Match, MatchEvent, Need, Offer, Organisation
from models.match import MATCH_STATUS_LABELS, MatchStatus
from models.posting import NeedStatus, OfferStatus
from web.services import audit
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.matches.review import clean_note, decide
from web.services.postings.side import Side


def _shared_terms(need: Need, offer: Offer, limit: int = 8) -> list[str]:
    need_tokens = [t for t in (need.tokens or "").split() if len(t) > 1]
    offer_set = {t for t in (offer.tokens or "").split() if len(t) > 1}
    return list(dict.fromkeys(t for t in need_tokens if t in offer_set))[:limit]


def create_manual_match(session: Session, *, need_id: int, offer_id: int, actor_id: int,
                        note: str = "", approve: bool = True) -> Match:
    """Staff pair any need with any offer by hand (source "manual"); approved at once by default."""
    note = clean_note(note)
    need, offer = session.get(Need, need_id), session.get(Offer, offer_id)
    if need is None:
        raise NotFound("未找到该需求", field="need_id")
    if offer is None:
        raise NotFound("未找到该服务", field="offer_id")
    if need.status == NeedStatus.draft or offer.status == OfferStatus.draft:
        raise ValidationFailed("草稿状态的需求或服务不能撮合", field="need_id")
    existing = session.exec(select(Match).where(Match.need_id == need_id, Match.offer_id == offer_id)).first()
    if existing is not None:
        label = MATCH_STATUS_LABELS.get(existing.status, existing.status)
        raise Conflict(f"该需求与服务已有匹配记录（编号 {existing.id}，状态：{label}）")
    terms = _shared_terms(need, offer)
    need_set, offer_set = set((need.tokens or "").split()), set((offer.tokens or "").split())
    union = need_set | offer_set
    score = round(len(need_set & offer_set) / len(union), 4) if union else 0.0
    match = Match(need_id=need_id, offer_id=offer_id, need_org_id=need.org_id, offer_org_id=offer.org_id,
                  score=score, text_score=score, source="manual",
                  reasons={"terms": [[t, 1.0] for t in terms],
                           "signals": [["manual", "服务专员手动撮合", 0.0]]},
                  updated_at=datetime.now(UTC))
    session.add(match)
    session.flush()
    assert match.id is not None
    session.add(MatchEvent(match_id=match.id, actor_id=actor_id, from_status=None, to_status=MatchStatus.proposed,
                           note=note or "服务专员手动撮合"))
    audit.record(session, actor_id=actor_id, action="match.create_manual", object_type="match",
                 object_id=match.id, detail={"need_id": need_id, "offer_id": offer_id, "note": note})
    if approve:
        decide(session, match_id=match.id, actor_id=actor_id, to_status=MatchStatus.approved, note=note)
    session.commit()
    session.refresh(match)
    return match


def search_postings(session: Session, side: Side, *, q: str | None,
                    limit: int = 15) -> list[tuple[Any, Organisation]]:
    """Needs or offers (not drafts) whose title or organisation matches ``q``, newest first."""
    model = side.model
    stmt = (select(model, Organisation).join(Organisation, col(Organisation.id) == model.org_id)
            .where(model.status != side.statuses.draft))
    if q and q.strip():
        text = q.strip()
        like = f"%{text}%"
        conds = [col(model.title).ilike(like), col(Organisation.name).ilike(like)]
        if text.isdigit():
            conds.append(model.id == int(text))
        stmt = stmt.where(or_(*conds))
    rows = session.exec(stmt.order_by(col(model.created_at).desc(), col(model.id).desc()).limit(limit)).all()
    return [(p, o) for p, o in rows]

"""Ratings (合作评价) after a signed contract: each side rates the other once; the portrait shows them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from models import Match, Organisation, Rating
from models.match import MatchStatus
from web.services import audit
from web.services.errors import InvalidTransition, ValidationFailed
from web.services.matches.portal_views import own_match
from web.services.postings.side import Side

SCORES = (1, 2, 3, 4, 5)
SCORE_LABELS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
COMMENT_MAX = 500


def rate_match(session: Session, side: Side, *, match_id: int, user_id: int, org_id: int | None,
               score: object, comment: str = "") -> Rating:
    """Rate the other side of a contracted match (once per side). Commits."""
    match = own_match(session, side, match_id=match_id, org_id=org_id)
    if match.status != MatchStatus.contracted:
        raise InvalidTransition("签约后才能评价合作")
    try:
        value = int(str(score).strip())
    except ValueError:
        value = 0
    errors = {}
    if value not in SCORES:
        errors["score"] = "请选择 1—5 分的评价"
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = f"评价内容不能超过 {COMMENT_MAX} 字"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors=errors)
    if session.exec(select(Rating.id).where(Rating.match_id == match_id, Rating.rater_org_id == org_id)).first():
        raise InvalidTransition("贵单位已评价过这次合作")
    other = session.get(side.other.model, side.other.own_posting_id(match))
    assert other is not None and org_id is not None
    rated = other.org_id
    rating = Rating(match_id=match_id, rater_org_id=org_id, rated_org_id=rated, score=value,
                    comment=comment, created_by=user_id)
    session.add(rating)
    try:
        session.flush()
    except IntegrityError:  # the same organisation rated in a parallel request
        session.rollback()
        raise InvalidTransition("贵单位已评价过这次合作") from None
    audit.record(session, actor_id=user_id, action="match.rate", object_type="match", object_id=match_id,
                 detail={"score": value})
    session.commit()
    return rating


def own_rating(session: Session, *, match_id: int, org_id: int | None) -> Rating | None:
    """The rating the caller's organisation gave on a match, if any."""
    return session.exec(select(Rating).where(Rating.match_id == match_id, Rating.rater_org_id == org_id)).first()


@dataclass(frozen=True)
class RatingRow:
    rating: Rating
    rater_name: str


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: Decimal | None  # one decimal, half up
    recent: list[RatingRow]


def summary_for(session: Session, *, org_id: int, recent: int = 10) -> RatingSummary:
    """How the organisation was rated by those it signed with (for its portrait)."""
    count, total = session.exec(select(func.count(), func.sum(Rating.score))
                                .where(Rating.rated_org_id == org_id)).one()
    rows = session.exec(select(Rating, Organisation.name)
                        .join(Organisation, col(Organisation.id) == Rating.rater_org_id)
                        .join(Match, col(Match.id) == Rating.match_id)
                        .where(Rating.rated_org_id == org_id)
                        .order_by(col(Rating.created_at).desc(), col(Rating.id).desc()).limit(recent)).all()
    average = (Decimal(int(total)) / count).quantize(Decimal("0.1"), ROUND_HALF_UP) if count else None
    return RatingSummary(count=count, average=average, recent=[RatingRow(r, name) for r, name in rows])

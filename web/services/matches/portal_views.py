"""The match read model for the two portals: one side's own posting, the other posting, and
the other organisation only as far as :mod:`web.services.organisations.privacy` allows. Every
portal page and API answer that shows a match builds it here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlmodel import Session, col, or_, select

from models import Match, Need, Offer, Organisation
from models.match import INTEREST_OPEN, MatchStatus
from web.services.errors import NotFound
from web.services.matches.reasons import shown_reason_terms, signals
from web.services.matches.strength import StrengthBand, strength_band
from web.services.organisations.privacy import Counterpart, counterpart, is_revealed
from web.services.paging import Page, paginate
from web.services.postings.listing import get_own
from web.services.postings.side import Side

RECOMMENDATIONS_MAX = 50


@dataclass(frozen=True)
class PortalMatchView:
    """A match as one side sees it: the other organisation only as privacy allows."""

    match: Match
    need: Need
    offer: Offer
    side: Side  # the viewer's side
    other: Counterpart

    @property
    def band(self) -> StrengthBand:
        return strength_band(self.match.score)

    @property
    def strength(self) -> str:
        """The score in plain words (匹配强度)."""
        return self.band.label

    # Cached (a frozen dataclass keeps no slots, so cached_property may store it): a card
    # shows the terms in its title, its text and its reasons.
    @cached_property
    def terms(self) -> list[str]:
        return shown_reason_terms(self.match, self.need, self.offer)

    @property
    def signals(self) -> list[tuple[str, str, float]]:
        """The other signals; a provider is not told about its own credit standing."""
        shown = signals(self.match)
        if self.side.name == "offer":
            shown = [s for s in shown if not str(s[0]).startswith("credit_")]
        return shown

    @property
    def own_posting(self) -> Need | Offer:
        return getattr(self, self.side.name)

    @property
    def other_posting(self) -> Need | Offer:
        return getattr(self, self.side.other.name)

    @property
    def interested(self) -> bool:
        """Whether the viewer's side has expressed interest."""
        return self.side.is_interested(self.match)

    @property
    def can_express_interest(self) -> bool:
        return self.match.status in INTEREST_OPEN

    def heading_for(self, posting: Need | Offer) -> str:
        """我的需求 for the viewer's own posting, the other side's name for theirs (推荐服务 …)."""
        if posting is self.own_posting:
            return f"我的{self.side.label}"
        return self.side.other.recommended_as


def _portal_view(match: Match, need: Need, offer: Offer, other_org: Organisation, side: Side) -> PortalMatchView:
    return PortalMatchView(match=match, need=need, offer=offer, side=side,
                           other=counterpart(other_org, revealed=is_revealed(match)))


def own_match(session: Session, side: Side, *, match_id: int, org_id: int | None) -> Match:
    """A match whose ``side`` posting belongs to the caller's organisation; else NotFound."""
    match = session.get(Match, match_id)
    if match is None or org_id is None:
        raise NotFound("未找到该匹配")
    posting = session.get(side.model, side.own_posting_id(match))
    if posting is None or posting.org_id != org_id:
        raise NotFound("未找到该匹配")
    return match


def recommendations(session: Session, side: Side, *, posting_id: int,
                    org_id: int | None) -> list[PortalMatchView]:
    """The matches of one of the caller's postings, best first (withdrawn ones left out)."""
    own = get_own(session, side, posting_id=posting_id, org_id=org_id)
    other = side.other
    stmt = (select(Match, other.model, Organisation)
            .join(other.model, col(other.model.id) == other.match_column())
            .join(Organisation, col(Organisation.id) == other.model.org_id)
            .where(side.match_column() == posting_id, Match.status != MatchStatus.withdrawn)
            .order_by(col(Match.score).desc(), col(Match.id)).limit(RECOMMENDATIONS_MAX))
    out = []
    for match, other_row, org in session.exec(stmt).all():
        pair = {side.name: own, other.name: other_row}
        out.append(_portal_view(match, pair["need"], pair["offer"], org, side))
    return out


def org_matches_select(side: Side, org_id: int) -> Any:
    """select(Match, Need, Offer, other organisation) of the matches of one organisation's side."""
    return (select(Match, Need, Offer, Organisation)
            .join(Need, col(Need.id) == Match.need_id).join(Offer, col(Offer.id) == Match.offer_id)
            .join(Organisation, col(Organisation.id) == side.other.match_org_column())
            .where(side.match_org_column() == org_id))


def org_match_columns(side: Side, org_id: int, *columns: Any) -> Any:
    """select(columns of Match) over the same rows as :func:`org_matches_select`, without its
    joins: for counting from the index (an organisation may have thousands)."""
    return select(*columns).select_from(Match).where(side.match_org_column() == org_id)


def list_org_matches(session: Session, side: Side, *, org_id: int | None, status: str | None = None,
                     q: str | None = None, page: int = 1, per_page: int = 20,
                     total: int | None = None) -> Page:
    """One page of the matches of the caller's organisation, newest first (``total``, where the
    caller has counted them already, saves the count)."""
    if org_id is None:
        raise NotFound("未找到匹配")
    stmt, count_stmt = org_matches_select(side, org_id), org_match_columns(side, org_id, Match.id)
    shown = Match.status == status if status else Match.status != MatchStatus.withdrawn
    stmt, count_stmt = stmt.where(shown), count_stmt.where(shown)
    if q:
        like = f"%{q.strip()[:50]}%"
        stmt = stmt.where(or_(col(Need.title).like(like), col(Offer.title).like(like)))
        count_stmt = None  # the titles of both sides: count the full join
    result = paginate(session, stmt.order_by(col(Match.id).desc()), page=page, per_page=per_page,
                      count_stmt=count_stmt, total=total)
    items = [_portal_view(m, n, o, org, side) for m, n, o, org in result.items]
    return Page(items, result.total, result.page, result.per_page)


def portal_view(session: Session, side: Side, *, match_id: int, org_id: int | None) -> PortalMatchView:
    """One match of the caller's organisation; anyone else's is NotFound."""
    match = own_match(session, side, match_id=match_id, org_id=org_id)
    need, offer = session.get(Need, match.need_id), session.get(Offer, match.offer_id)
    if need is None or offer is None:
        raise NotFound("未找到该匹配")
    other_org = session.get(Organisation, {"need": need, "offer": offer}[side.other.name].org_id)
    assert other_org is not None
    return _portal_view(match, need, offer, other_org, side)

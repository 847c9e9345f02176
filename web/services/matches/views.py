"""The match read model: one match with its postings and organisations, for each audience.

- :class:`StaffMatchView` is what staff see (review queue, pipeline, portraits, exports):
  both organisations by name and the warnings (credit risk, related parties) to weigh.
- :class:`PortalMatchView` is what one side sees in its portal: its own posting, the other
  posting, and the other organisation only as far as :mod:`privacy` allows.

Every page, API answer and export that shows a match builds it here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from models import Contract, Match, MatchEvent, Need, Offer, Organisation, RelatedParty
from models.match import IN_PROGRESS, INTEREST_OPEN, MatchStatus
from web.presentation.terms import shown_terms
from web.services.errors import NotFound
from web.services.matches.strength import StrengthBand, strength_band
from web.services.organisations.privacy import Counterpart, counterpart, is_revealed
from web.services.paging import Page, paginate
from web.services.postings.listing import get_own
from web.services.postings.side import Side

RECOMMENDATIONS_MAX = 50


def _terms(match: Match, need: Need, offer: Offer) -> list[str]:
    """Shared terms worth showing: whole words of both postings, as the posting wrote them."""
    return shown_terms([str(t[0]) for t in (match.reasons or {}).get("terms", []) if t],
                       need_text=f"{need.title} {need.description}",
                       offer_text=f"{offer.title} {offer.description}",
                       need_tokens=need.tokens or "", offer_tokens=offer.tokens or "")


def _signals(match: Match) -> list[tuple[str, str, float]]:
    return [tuple(s) for s in (match.reasons or {}).get("signals", [])]  # type: ignore[misc]


# ---------------------------------------------------------------- staff
@dataclass(frozen=True)
class Flag:
    code: str  # credit | conflict
    label: str


@dataclass
class StaffMatchView:
    """A match with both postings, both organisations and its warning flags."""

    match: Match
    need: Need
    offer: Offer
    enterprise: Organisation
    provider: Organisation
    flags: list[Flag] = field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        return _terms(self.match, self.need, self.offer)

    @property
    def signals(self) -> list[tuple[str, str, float]]:
        return _signals(self.match)

    @property
    def age_days(self) -> int:
        return max(0, (datetime.now(UTC) - self.match.created_at).days)


def related_pairs(session: Session, org_ids: Iterable[int]) -> set[frozenset[int]]:
    """Unordered pairs of related parties (关联方) among ``org_ids``, either direction."""
    ids = set(org_ids)
    if not ids:
        return set()
    rows = session.exec(select(RelatedParty.org_id, RelatedParty.related_org_id).where(
        col(RelatedParty.org_id).in_(ids), col(RelatedParty.related_org_id).in_(ids))).all()
    return {frozenset((a, b)) for a, b in rows}


def _flags(enterprise: Organisation, provider: Organisation, related: set[frozenset[int]]) -> list[Flag]:
    flags = []
    if provider.credit_standing == "bad":
        flags.append(Flag("credit", "信用风险：服务机构信用状况为失信/异常"))
    if frozenset((enterprise.id, provider.id)) in related:
        flags.append(Flag("conflict", "利益冲突：供需双方为关联方"))
    return flags


# The two organisations of a match, as separate entities of one query.
ENTERPRISE = aliased(Organisation, name="ent_org")
PROVIDER = aliased(Organisation, name="prov_org")


def staff_select() -> Any:
    """select(Match, Need, Offer, enterprise, provider): filter and order it, then load_staff_views."""
    return (select(Match, Need, Offer, ENTERPRISE, PROVIDER)
            .join(Need, col(Need.id) == Match.need_id)
            .join(Offer, col(Offer.id) == Match.offer_id)
            .join(ENTERPRISE, ENTERPRISE.id == Need.org_id)
            .join(PROVIDER, PROVIDER.id == Offer.org_id))


def staff_count() -> Any:
    """select(count) over the same joins as :func:`staff_select`."""
    return (select(func.count()).select_from(Match)
            .join(Need, col(Need.id) == Match.need_id).join(Offer, col(Offer.id) == Match.offer_id)
            .join(ENTERPRISE, ENTERPRISE.id == Need.org_id).join(PROVIDER, PROVIDER.id == Offer.org_id))


def involving(org_id: int) -> Any:
    """The condition "either organisation of the match is ``org_id``" for :func:`staff_select`."""
    return or_(ENTERPRISE.id == org_id, PROVIDER.id == org_id)


def either_name_like(text: str) -> Any:
    """The condition "either organisation's name contains ``text``" for :func:`staff_select`."""
    like = f"%{text.strip()}%"
    return or_(col(ENTERPRISE.name).ilike(like), col(PROVIDER.name).ilike(like))


def staff_views_from_rows(session: Session, rows: Sequence[Any]) -> list[StaffMatchView]:
    related = related_pairs(session, {r[3].id for r in rows} | {r[4].id for r in rows})
    return [StaffMatchView(m, n, o, e, p, _flags(e, p, related)) for m, n, o, e, p in rows]


def load_staff_views(session: Session, stmt: Any) -> list[StaffMatchView]:
    """Run a :func:`staff_select` statement and build its views (with flags)."""
    return staff_views_from_rows(session, session.exec(stmt).all())


def staff_view(session: Session, match_id: int) -> StaffMatchView:
    """One match as staff see it; NotFound if missing."""
    views = load_staff_views(session, staff_select().where(Match.id == match_id))
    if not views:
        raise NotFound("未找到该匹配")
    return views[0]


# ---------------------------------------------------------------- portals
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

    @property
    def terms(self) -> list[str]:
        return _terms(self.match, self.need, self.offer)

    @property
    def signals(self) -> list[tuple[str, str, float]]:
        """The other signals; a provider is not told about its own credit standing."""
        shown = _signals(self.match)
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
    other = side.other
    return (select(Match, Need, Offer, Organisation)
            .join(Need, col(Need.id) == Match.need_id).join(Offer, col(Offer.id) == Match.offer_id)
            .join(Organisation, col(Organisation.id) == other.model.org_id)
            .where(side.model.org_id == org_id))


def list_org_matches(session: Session, side: Side, *, org_id: int | None, status: str | None = None,
                     q: str | None = None, page: int = 1, per_page: int = 20) -> Page:
    """One page of the matches of the caller's organisation, newest first."""
    if org_id is None:
        raise NotFound("未找到匹配")
    stmt = org_matches_select(side, org_id)
    if status:
        stmt = stmt.where(Match.status == status)
    else:
        stmt = stmt.where(Match.status != MatchStatus.withdrawn)
    if q:
        like = f"%{q.strip()[:50]}%"
        stmt = stmt.where(or_(col(Need.title).like(like), col(Offer.title).like(like)))
    result = paginate(session, stmt.order_by(col(Match.id).desc()), page=page, per_page=per_page)
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

    Call after :func:`portal_view` has checked the caller may see this match."""
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


@dataclass(frozen=True)
class PortalSummary:
    """The figures of a portal's start page."""

    open_postings: int
    match_counts: dict[str, int]
    recent_postings: list[Any]
    recent_matches: list[PortalMatchView]

    @property
    def in_progress(self) -> int:
        """Approved matches whose deal is still open."""
        return sum(self.match_counts.get(s, 0) for s in IN_PROGRESS)


def portal_summary(session: Session, side: Side, *, org_id: int | None) -> PortalSummary:
    """Figures for a portal's start page (own organisation only)."""
    if org_id is None:
        raise NotFound("未找到该机构")
    model = side.model
    open_count = session.exec(select(func.count()).select_from(model).where(
        model.org_id == org_id, model.status == side.statuses.open)).one()
    counts_q = org_matches_select(side, org_id).with_only_columns(Match.status, func.count()).group_by(Match.status)
    counts = {status: n for status, n in session.exec(counts_q).all()}
    recent = list(session.exec(select(model).where(model.org_id == org_id)
                               .order_by(col(model.id).desc()).limit(5)).all())
    matches = list_org_matches(session, side, org_id=org_id, page=1, per_page=5).items
    return PortalSummary(open_postings=open_count, match_counts=counts, recent_postings=recent,
                         recent_matches=matches)

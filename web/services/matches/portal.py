"""Read models of the portals: a posting's recommendations and an organisation's matches,
each with the other side shown only as privacy allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from models import Contract, Match, MatchEvent, Need, Offer, Organisation
from models.match import MATCH_STATUS_LABELS
from web.presentation.terms import shown_terms
from web.services.errors import NotFound
from web.services.matches.interest import own_match
from web.services.organisations.privacy import Counterpart, counterpart, is_revealed
from web.services.postings.lifecycle import Page, Side, get_own

RECOMMENDATIONS_MAX = 50


def strength(score: float) -> str:
    """The score in plain words (匹配强度)."""
    if score >= 0.55:
        return "高度匹配"
    if score >= 0.35:
        return "较为匹配"
    if score >= 0.2:
        return "可能相关"
    return "相关度较低"


@dataclass(frozen=True)
class MatchView:
    match: Match
    need: Need
    offer: Offer
    own_side: str  # need (the viewer is the enterprise) | offer (the provider)
    other: Counterpart

    @property
    def strength(self) -> str:
        return strength(self.match.score)

    @property
    def terms(self) -> list[str]:
        """Shared terms worth showing: whole words of both postings, as the posting wrote them."""
        return shown_terms([str(t) for t, _ in self.match.reasons.get("terms", [])],
                           need_text=f"{self.need.title} {self.need.description}",
                           offer_text=f"{self.offer.title} {self.offer.description}",
                           need_tokens=self.need.tokens or "", offer_tokens=self.offer.tokens or "")

    @property
    def signals(self) -> list[tuple[str, str, float]]:
        """The other signals; a provider is not told about its own credit standing."""
        shown = [tuple(s) for s in self.match.reasons.get("signals", [])]
        if self.own_side == "offer":
            shown = [s for s in shown if not str(s[0]).startswith("credit_")]
        return shown  # type: ignore[return-value]

    @property
    def other_posting(self) -> Need | Offer:
        return self.offer if self.own_side == "need" else self.need


def _view(match: Match, need: Need, offer: Offer, other_org: Organisation, own_side: str) -> MatchView:
    return MatchView(match=match, need=need, offer=offer, own_side=own_side,
                     other=counterpart(other_org, revealed=is_revealed(match)))


def recommendations(session: Session, side: Side, *, posting_id: int, org_id: int | None) -> list[MatchView]:
    """The matches of one of the caller's postings, best first (withdrawn ones left out)."""
    own = get_own(session, side, posting_id=posting_id, org_id=org_id)
    Other = Offer if side.name == "need" else Need
    own_col = Match.need_id if side.name == "need" else Match.offer_id
    other_col = Match.offer_id if side.name == "need" else Match.need_id
    stmt = (select(Match, Other, Organisation)
            .join(Other, col(Other.id) == other_col)
            .join(Organisation, col(Organisation.id) == Other.org_id)
            .where(own_col == posting_id, Match.status != "withdrawn")
            .order_by(col(Match.score).desc(), col(Match.id)).limit(RECOMMENDATIONS_MAX))
    out = []
    for match, other, org in session.exec(stmt).all():
        need, offer = (own, other) if side.name == "need" else (other, own)
        out.append(_view(match, need, offer, org, side.name))
    return out


def _org_match_query(role: str, org_id: int):  # type: ignore[no-untyped-def]
    OtherOrg = Organisation
    if role == "enterprise":
        return (select(Match, Need, Offer, OtherOrg)
                .join(Need, col(Need.id) == Match.need_id).join(Offer, col(Offer.id) == Match.offer_id)
                .join(OtherOrg, col(OtherOrg.id) == Offer.org_id).where(Need.org_id == org_id))
    return (select(Match, Need, Offer, OtherOrg)
            .join(Offer, col(Offer.id) == Match.offer_id).join(Need, col(Need.id) == Match.need_id)
            .join(OtherOrg, col(OtherOrg.id) == Need.org_id).where(Offer.org_id == org_id))


def list_org_matches(session: Session, *, role: str, org_id: int | None, status: str | None = None,
                     q: str | None = None, page: int = 1, per_page: int = 20) -> Page:
    """One page of the matches of the caller's organisation, newest first."""
    if org_id is None or role not in ("enterprise", "provider"):
        raise NotFound("未找到匹配")
    stmt = _org_match_query(role, org_id)
    if status:
        stmt = stmt.where(Match.status == status)
    else:
        stmt = stmt.where(Match.status != "withdrawn")
    if q:
        like = f"%{q.strip()[:50]}%"
        stmt = stmt.where(or_(col(Need.title).like(like), col(Offer.title).like(like)))
    per_page, page = max(1, min(per_page, 100)), max(1, page)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(Match.id).desc()).offset((page - 1) * per_page).limit(per_page)).all()
    own_side = "need" if role == "enterprise" else "offer"
    items = [_view(m, n, o, org, own_side) for m, n, o, org in rows]
    return Page(items=items, total=total, page=page, per_page=per_page)


def match_view(session: Session, *, match_id: int, role: str, org_id: int | None) -> MatchView:
    """One match of the caller's organisation; anyone else's is NotFound."""
    match = own_match(session, match_id=match_id, role=role, org_id=org_id)
    need, offer = session.get(Need, match.need_id), session.get(Offer, match.offer_id)
    if need is None or offer is None:
        raise NotFound("未找到该匹配")
    other_org = session.get(Organisation, offer.org_id if role == "enterprise" else need.org_id)
    assert other_org is not None
    return _view(match, need, offer, other_org, "need" if role == "enterprise" else "offer")


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str


# What each move means to the two sides; staff notes stay internal.
STEP_LABELS = {
    "proposed": "平台推荐", "approved": "服务专员审核通过，双方信息已公开", "rejected": "未通过审核",
    "contacted": "服务专员已联系双方", "negotiating": "双方洽谈中", "contracted": "签订技术合同",
    "closed": "撮合结束", "withdrawn": "一方已关闭或撤回发布",
}


def match_story(session: Session, *, match_id: int) -> tuple[Contract | None, list[Step]]:
    """The contract (if any, voided or not) and the steps of a match, oldest first.

    Call after ``match_view`` has checked the caller may see this match."""
    contract = session.exec(select(Contract).where(Contract.match_id == match_id)).first()
    # In the order they were recorded (the demo pipeline back-dates its moves, not its proposal).
    events = session.exec(select(MatchEvent).where(MatchEvent.match_id == match_id)
                          .order_by(col(MatchEvent.id))).all()
    steps = []
    for e in events:
        if e.from_status == e.to_status == "contracted":
            label = "技术合同信息已更正"
        elif e.from_status == "contracted" and e.to_status == "closed":
            label = "技术合同已作废，撮合结束"
        else:
            label = STEP_LABELS.get(e.to_status, MATCH_STATUS_LABELS.get(e.to_status, e.to_status))
        steps.append(Step(at=e.created_at, label=label))
    return contract, steps


@dataclass(frozen=True)
class Summary:
    open_postings: int
    match_counts: dict[str, int]
    recent_postings: list
    recent_matches: list[MatchView]


def summary(session: Session, side: Side, *, org_id: int | None) -> Summary:
    """Figures for a portal's start page (own organisation only)."""
    if org_id is None:
        raise NotFound("未找到该机构")
    model = side.model
    open_count = session.exec(select(func.count()).select_from(model).where(
        model.org_id == org_id, model.status == "open")).one()
    role = side.role
    counts_q = _org_match_query(role, org_id).with_only_columns(Match.status, func.count()).group_by(Match.status)
    counts = {status: n for status, n in session.exec(counts_q).all()}
    recent = list(session.exec(select(model).where(model.org_id == org_id)
                               .order_by(col(model.id).desc()).limit(5)).all())
    matches = list_org_matches(session, role=role, org_id=org_id, page=1, per_page=5).items
    return Summary(open_postings=open_count, match_counts=counts, recent_postings=recent,
                   recent_matches=matches)


def mark_all_read(session: Session, *, user_id: int, org_id: int | None,
                  held: datetime | None = None) -> int:
    """Mark every unread notification the user can see read (a digest user: up to ``held``). Commits."""
    from datetime import UTC

    from models import Notification
    from web.services.notifications import _inbox_filter

    rows = session.exec(select(Notification).where(_inbox_filter(user_id, org_id, held),
                                                   col(Notification.read_at).is_(None))).all()
    now = datetime.now(UTC)
    for row in rows:
        row.read_at = now
        session.add(row)
    session.commit()
    return len(rows)

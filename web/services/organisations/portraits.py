"""Enterprise portraits (企业画像): profile, innovation capability, credit and history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, func, or_, select

from models import Match, Need, Offer, Organisation, Qualification, RelatedParty
from models.posting import NeedStatus, OfferStatus
from web.presentation.times import default_today
from web.services.errors import NotFound
from web.services.matches.pipeline import ContractRow, list_contracts
from web.services.matches.ratings import RatingSummary, summary_for
from web.services.matches.staff_views import (
    StaffMatchView,
    involving,
    load_staff_views,
    staff_select,
)
from web.services.paging import Page

# Innovation-capability score (创新能力评分), 0–100, shown on the page with this formula.
RD_FULL_MARKS_INTENSITY = Decimal("0.05")  # 研发投入强度 ≥ 5% earns the full 30 points
INVENTION_FULL_MARKS = 10  # 有效发明专利 ≥ 10 件 earns the full 25 points
PATENT_FULL_MARKS = 30  # 专利总数 ≥ 30 件 earns the full 15 points
QUALIFICATION_POINTS: dict[str, int] = {
    "高新技术企业": 15, "科技领军": 15, "领军培育": 10, "瞪羚": 10, "雏鹰": 5,
}
QUALIFICATION_CAP = 30
SCORE_FORMULA = (
    "创新能力评分（满分 100）= 研发投入强度得分（强度 ÷ 5% × 30，最高 30）"
    " + 有效发明专利得分（件数 ÷ 10 × 25，最高 25）"
    " + 专利总数得分（件数 ÷ 30 × 15，最高 15）"
    " + 有效资质得分（高新技术企业 15、科技领军 15、领军培育 10、瞪羚 10、雏鹰 5，合计最高 30）"
)


@dataclass(frozen=True)
class ScorePart:
    label: str
    basis: str
    points: Decimal
    max_points: int


@dataclass(frozen=True)
class InnovationScore:
    total: Decimal
    parts: list[ScorePart]
    formula: str = SCORE_FORMULA


@dataclass(frozen=True)
class RelatedRow:
    org: Organisation
    relation: str
    direction: str  # "outgoing": this org declared it; "incoming": the other did
    id: int  # the RelatedParty row


@dataclass
class Portrait:
    org: Organisation
    qualifications: list[Qualification]
    rd_intensity: Decimal | None  # a fraction: 0.035 = 3.5%
    score: InnovationScore
    related: list[RelatedRow]
    needs: list[Need]
    offers: list[Offer]
    matches: list[StaffMatchView]
    contracts: list[ContractRow] = field(default_factory=list)
    ratings: RatingSummary = field(default_factory=lambda: RatingSummary(0, None, []))
    today: date = field(default_factory=default_today)  # qualifications are held as of this day

    @property
    def held(self) -> list[str]:
        """Qualification kinds valid today."""
        return held_kinds(self.qualifications, today=self.today)

    @property
    def contract_total_wan(self) -> Decimal:
        return sum((c.contract.amount_wan for c in self.contracts), Decimal("0"))


def rd_intensity(org: Organisation) -> Decimal | None:
    """R&D spending ÷ revenue (研发投入强度), or None when either is missing or revenue is 0."""
    if org.rd_spending_wan is None or not org.revenue_wan:
        return None
    return Decimal(org.rd_spending_wan) / Decimal(org.revenue_wan)


def _valid(q: Qualification, today: date) -> bool:
    return q.expires_on is None or q.expires_on >= today


def held_kinds(qualifications: list[Qualification], *, today: date | None = None) -> list[str]:
    """The qualifications held today, each kind once (a renewal is not a second badge)."""
    today = today or default_today()
    return sorted({q.kind for q in qualifications if _valid(q, today)})


def innovation_score(org: Organisation, qualifications: list[Qualification],
                     *, today: date | None = None) -> InnovationScore:
    """The innovation-capability score, part by part, by the formula in SCORE_FORMULA."""
    today = today or default_today()
    two = Decimal("0.01")
    intensity = rd_intensity(org)
    rd_points = (min(intensity / RD_FULL_MARKS_INTENSITY, Decimal(1)) * 30) if intensity else Decimal(0)
    inv_points = Decimal(min(org.invention_patents, INVENTION_FULL_MARKS)) * 25 / INVENTION_FULL_MARKS
    pat_points = Decimal(min(org.total_patents, PATENT_FULL_MARKS)) * 15 / PATENT_FULL_MARKS
    held = sorted({q.kind for q in qualifications if _valid(q, today)})
    q_points = Decimal(min(sum(QUALIFICATION_POINTS.get(k, 0) for k in held), QUALIFICATION_CAP))
    parts = [
        ScorePart("研发投入强度", f"{intensity * 100:.2f}%" if intensity is not None else "无营业收入或研发投入数据",
                  rd_points.quantize(two), 30),
        ScorePart("有效发明专利", f"{org.invention_patents} 件", inv_points.quantize(two), 25),
        ScorePart("专利总数", f"{org.total_patents} 件", pat_points.quantize(two), 15),
        ScorePart("有效资质", "、".join(held) or "无", q_points.quantize(two), QUALIFICATION_CAP),
    ]
    return InnovationScore(sum((p.points for p in parts), Decimal(0)).quantize(two), parts)


def search_organisations(session: Session, *, q: str | None = None, kind: str | None = "enterprise",
                         page: int = 1, per_page: int = 20) -> Page:
    """Organisations by name, credit code or industry, for the portrait list."""
    stmt = select(Organisation)
    count = select(func.count()).select_from(Organisation)
    conds = []
    if kind == "enterprise":
        conds.append(Organisation.kind == "enterprise")
    elif kind == "provider":
        conds.append(Organisation.kind != "enterprise")
    if q and q.strip():
        like = f"%{q.strip()}%"
        conds.append(or_(col(Organisation.name).ilike(like), col(Organisation.credit_code).ilike(like),
                         col(Organisation.industry).ilike(like)))
    for c in conds:
        stmt, count = stmt.where(c), count.where(c)
    page = max(1, page)
    total = session.exec(count).one()
    rows = session.exec(stmt.order_by(col(Organisation.name)).offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), total, page, per_page)


def qualifications_by_org(session: Session, org_ids: list[int]) -> dict[int, list[Qualification]]:
    result: dict[int, list[Qualification]] = {i: [] for i in org_ids}
    if org_ids:
        for q in session.exec(select(Qualification).where(col(Qualification.org_id).in_(org_ids))
                              .order_by(col(Qualification.year_granted).desc())).all():
            result[q.org_id].append(q)
    return result


def get_portrait(session: Session, *, org_id: int, today: date | None = None) -> Portrait:
    """Everything staff should know about one organisation, as of ``today``."""
    today = today or default_today()
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("未找到该机构")
    quals = qualifications_by_org(session, [org_id])[org_id]
    related: list[RelatedRow] = []
    for rp, other in session.exec(select(RelatedParty, Organisation)
                                  .join(Organisation, col(Organisation.id) == RelatedParty.related_org_id)
                                  .where(RelatedParty.org_id == org_id)).all():
        related.append(RelatedRow(other, rp.relation, "outgoing", rp.id))
    for rp, other in session.exec(select(RelatedParty, Organisation)
                                  .join(Organisation, col(Organisation.id) == RelatedParty.org_id)
                                  .where(RelatedParty.related_org_id == org_id)).all():
        related.append(RelatedRow(other, rp.relation, "incoming", rp.id))
    # Drafts stay private to their organisation until published, staff included.
    needs = list(session.exec(select(Need).where(Need.org_id == org_id, Need.status != NeedStatus.draft)
                              .order_by(col(Need.created_at).desc(), col(Need.id).desc())).all())
    offers = list(session.exec(select(Offer).where(Offer.org_id == org_id, Offer.status != OfferStatus.draft)
                               .order_by(col(Offer.created_at).desc(), col(Offer.id).desc())).all())
    matches = load_staff_views(session, staff_select().where(involving(org_id))
        .order_by(col(Match.created_at).desc(), col(Match.id).desc()))
    return Portrait(org, quals, rd_intensity(org), innovation_score(org, quals, today=today), related, needs,
                    offers, matches, list_contracts(session, org_id=org_id), summary_for(session, org_id=org_id),
                    today)

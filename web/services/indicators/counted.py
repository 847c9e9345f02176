"""Platform figures (平台统计): what the platform counts itself, from what it holds —
qualifications of registered enterprises (indicators 3–6) and contracts signed through
matches (7) — with the enterprises and contracts behind each figure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from models import Contract, Match, Need, Offer, Organisation, Qualification
from models.match import MatchStatus
from models.organisation import QualificationKind
from web.services.errors import NotFound
from web.services.indicators.plan import PLAN_YEARS, plain_decimal
from web.services.matches.staff_views import ENTERPRISE, PROVIDER
from web.services.organisations.privacy import CREDIT_CODE_ROLES

# Indicators the platform can count itself, and from what.
QUALIFICATION_KINDS: dict[int, tuple[str, ...]] = {
    3: (QualificationKind.hitech.value,),
    4: (QualificationKind.eagle.value,),
    5: (QualificationKind.gazelle.value,),
    6: (QualificationKind.leader.value, QualificationKind.leader_cultivation.value),
}
CONTRACT_INDICATOR = 7
PLATFORM_COUNTED = frozenset(QUALIFICATION_KINDS) | {CONTRACT_INDICATOR}
WAN_PER_YI = Decimal(10000)  # 1 亿元 = 10000 万元


def _holds_in(q: Qualification, year: int) -> bool:
    # Granted in or before the year and not expired before the year began.
    return q.year_granted <= year and (q.expires_on is None or q.expires_on >= date(year, 1, 1))


@dataclass(frozen=True)
class CountedEnterprise:
    org_id: int
    name: str
    credit_code: str | None  # None for readers who may not see it (privacy.CREDIT_CODE_ROLES)
    qualifications: tuple[str, ...]  # e.g. ("科技领军（2021年认定，有效期至2024-12-31）",)


def qualified_enterprises(session: Session, *, number: int, year: int,
                          role: str = "") -> list[CountedEnterprise]:
    """The enterprises counted for a qualification indicator in a year (drill-down), as ``role`` may see them."""
    kinds = QUALIFICATION_KINDS.get(number)
    if kinds is None:
        raise NotFound("该指标不由平台按资质统计")
    rows = session.exec(
        select(Qualification, Organisation)
        .join(Organisation, col(Organisation.id) == Qualification.org_id)
        .where(col(Qualification.kind).in_(kinds), Organisation.kind == "enterprise")
        .order_by(Organisation.name, Qualification.kind)).all()
    held: dict[int, list[str]] = defaultdict(list)
    orgs: dict[int, Organisation] = {}
    for q, org in rows:
        if _holds_in(q, year):
            assert org.id is not None
            expiry = f"，有效期至{q.expires_on.isoformat()}" if q.expires_on else ""
            held[org.id].append(f"{q.kind}（{q.year_granted}年认定{expiry}）")
            orgs[org.id] = org
    codes = role in CREDIT_CODE_ROLES
    return [CountedEnterprise(org_id=oid, name=orgs[oid].name,
                              credit_code=orgs[oid].credit_code if codes else None,
                              qualifications=tuple(labels)) for oid, labels in held.items()]


@dataclass(frozen=True)
class CountedContract:
    contract_id: int
    match_id: int
    signed_on: date
    amount_wan: Decimal
    contract_type: str
    registration_no: str | None
    category: str
    need_title: str
    enterprise: str
    provider: str


def platform_contracts(session: Session, *, year: int) -> list[CountedContract]:
    """Contracts of contracted matches signed in a year (the drill-down of indicator 7)."""
    stmt = (
        select(Contract, Match.id, Need.title, Need.category, ENTERPRISE.name, PROVIDER.name)
        .join(Match, col(Match.id) == Contract.match_id)
        .join(Need, col(Need.id) == Match.need_id)
        .join(Offer, col(Offer.id) == Match.offer_id)
        .join(ENTERPRISE, col(ENTERPRISE.id) == Need.org_id)
        .join(PROVIDER, col(PROVIDER.id) == Offer.org_id)
        .where(Match.status == MatchStatus.contracted,
               col(Contract.signed_on) >= date(year, 1, 1), col(Contract.signed_on) <= date(year, 12, 31))
        .order_by(col(Contract.signed_on), col(Contract.id)))
    out = []
    for c, match_id, title, category, ent_name, prov_name in session.exec(stmt).all():
        assert c.id is not None
        out.append(CountedContract(
            contract_id=c.id, match_id=match_id, signed_on=c.signed_on,
            amount_wan=Decimal(c.amount_wan).quantize(Decimal("0.01")), contract_type=c.contract_type,
            registration_no=c.registration_no, category=category, need_title=title,
            enterprise=ent_name, provider=prov_name))
    return out


def wan_to_yi(total_wan: Decimal) -> Decimal:
    """万元 -> 亿元, exact (12346.00 万元 -> 1.2346 亿元)."""
    return plain_decimal(total_wan / WAN_PER_YI)


def platform_figures(session: Session, *, year: int) -> dict[int, Decimal]:
    """Indicator number -> the figure the platform counts itself for ``year``."""
    return platform_figures_by_year(session, years=(year,))[year]


def platform_figures_by_year(session: Session, *, years: Sequence[int]) -> dict[int, dict[int, Decimal]]:
    """:func:`platform_figures` for several years from two queries (the dashboard's path):
    the same counting rules as the drill-downs, read as plain columns, not one query per
    indicator and year."""
    kind_of = {k: number for number, kinds in QUALIFICATION_KINDS.items() for k in kinds}
    rows = session.exec(
        select(Qualification.org_id, Qualification.kind, Qualification.year_granted, Qualification.expires_on)
        .join(Organisation, col(Organisation.id) == Qualification.org_id)
        .where(col(Qualification.kind).in_(list(kind_of)), Organisation.kind == "enterprise")).all()
    first, last = min(years), max(years)
    amounts = session.exec(
        select(Contract.signed_on, Contract.amount_wan)
        .join(Match, col(Match.id) == Contract.match_id)
        .where(Match.status == MatchStatus.contracted.value,
               col(Contract.signed_on) >= date(first, 1, 1), col(Contract.signed_on) <= date(last, 12, 31))).all()
    out: dict[int, dict[int, Decimal]] = {}
    for year in years:
        held: dict[int, set[int]] = defaultdict(set)
        for org_id, kind, granted, expires in rows:
            if granted <= year and (expires is None or expires >= date(year, 1, 1)):
                held[kind_of[kind]].add(org_id)
        figures = {number: Decimal(len(held[number])) for number in QUALIFICATION_KINDS}
        # Summed in Python: SQLite's SUM over NUMERIC returns a float.
        total = sum((Decimal(a).quantize(Decimal("0.01")) for signed, a in amounts if signed.year == year),
                    Decimal(0))
        figures[CONTRACT_INDICATOR] = wan_to_yi(total)
        out[year] = figures
    return out


@dataclass(frozen=True)
class PlatformDetail:
    """What the platform counted for one indicator and year, and what it counted."""

    number: int
    year: int
    value: Decimal
    enterprises: list[CountedEnterprise]
    contracts: list[CountedContract]

    @property
    def counts_contracts(self) -> bool:
        """Whether the figure counts contracts (indicator 7) rather than enterprises."""
        return self.number == CONTRACT_INDICATOR

    @property
    def total_wan(self) -> Decimal:
        """The contracts' amounts in 万元 (the figure itself is in 亿元)."""
        return sum((c.amount_wan for c in self.contracts), Decimal("0.00"))


def platform_detail(session: Session, *, number: int, year: int, role: str = "") -> PlatformDetail:
    """The drill-down of a platform-counted figure as ``role`` may see it; NotFound for other
    indicators or years."""
    if number not in PLATFORM_COUNTED:
        raise NotFound("该指标由官方统计录入，平台不自行统计")
    if year not in PLAN_YEARS:
        raise NotFound("年度应为 2020、2021 或 2022")
    if number == CONTRACT_INDICATOR:
        contracts = platform_contracts(session, year=year)
        value = wan_to_yi(sum((c.amount_wan for c in contracts), Decimal(0)))
        return PlatformDetail(number, year, value, [], contracts)
    enterprises = qualified_enterprises(session, number=number, year=year, role=role)
    return PlatformDetail(number, year, Decimal(len(enterprises)), enterprises, [])

"""The indicator dashboard: targets, official and platform-counted actuals, status.

Two kinds of actual are kept apart and never mixed:

- official figures (官方统计): entered by staff with a source and date (``IndicatorActual``);
- platform figures (平台统计): counted from what the platform itself holds — qualifications
  of registered enterprises (indicators 3–6) and contracts signed through matches (7).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import (
    Contract,
    Indicator,
    IndicatorActual,
    IndicatorTarget,
    Match,
    Need,
    Offer,
    Organisation,
    Qualification,
)
from models.match import MatchStatus
from models.organisation import QualificationKind
from web.services import audit
from web.services.errors import NotFound, ValidationFailed
from web.services.indicators.plan import PLAN_YEARS, ensure_plan_indicators, plain_decimal
from web.services.organisations.privacy import CREDIT_CODE_ROLES

# The status rule, shown on the page as written here.
MET, NEAR, BEHIND = "达标", "接近", "滞后"
NEAR_PERCENT = Decimal(90)
STATUS_RULE = "完成率 = 实际值 ÷ 年度目标 × 100%；完成率 ≥ 100% 为“达标”，≥ 90% 且 < 100% 为“接近”，< 90% 为“滞后”。"
STATUS_BADGE = {MET: "ok", NEAR: "warn", BEHIND: "bad"}

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

# The plan's end goals (section 一(二)) as it words them; the rest read "<2022 target><unit>".
GOAL_WORDING = {3: "突破125家"}

VALUE_MAX = Decimal("9999999999.9999")  # Numeric(14, 4)


@dataclass(frozen=True)
class Assessment:
    percent: Decimal  # truncated to one decimal, so 99.96% never shows as 100.0%
    status: str

    @property
    def badge(self) -> str:
        return STATUS_BADGE[self.status]


def assess(actual: Decimal | None, target: Decimal | None) -> Assessment | None:
    """Percentage of target and status; compared exactly, before any rounding."""
    if actual is None or target is None or target <= 0:
        return None
    if actual >= target:
        status = MET
    elif actual * 100 >= target * NEAR_PERCENT:
        status = NEAR
    else:
        status = BEHIND
    percent = (actual * 100 / target).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return Assessment(percent=percent, status=status)


@dataclass(frozen=True)
class OfficialFigure:
    id: int
    year: int
    value: Decimal
    source: str
    source_date: date | None
    note: str
    is_sample: bool


@dataclass(frozen=True)
class YearRow:
    year: int
    target: Decimal | None
    official: OfficialFigure | None
    official_assessment: Assessment | None
    platform: Decimal | None  # None: the platform does not count this indicator
    platform_assessment: Assessment | None


@dataclass
class IndicatorView:
    id: int
    number: int
    name: str
    unit: str
    note: str
    goal: str  # the 2022 end goal as the plan words it
    platform_counted: bool
    years: list[YearRow] = field(default_factory=list)
    all_official: list[OfficialFigure] = field(default_factory=list)

    @property
    def goal_target(self) -> Decimal | None:
        return self.years[-1].target if self.years else None

    @property
    def latest_official(self) -> tuple[int, OfficialFigure] | None:
        for row in reversed(self.years):
            if row.official is not None:
                return row.year, row.official
        return None

    @property
    def latest_platform(self) -> tuple[int, Decimal] | None:
        for row in reversed(self.years):
            if row.platform is not None:
                return row.year, row.platform
        return None

    @property
    def has_sample(self) -> bool:
        return any(r.official is not None and r.official.is_sample for r in self.years)


def _figure(a: IndicatorActual) -> OfficialFigure:
    assert a.id is not None
    return OfficialFigure(id=a.id, year=a.year, value=plain_decimal(Decimal(a.value)), source=a.source,
                          source_date=a.source_date, note=a.note, is_sample=a.is_sample)


def _preferred(actuals: list[IndicatorActual]) -> IndicatorActual:
    # Several sources may report one year: an official figure beats a sample one, then
    # the most recently dated source, then the most recent entry.
    return max(actuals, key=lambda a: (not a.is_sample, a.source_date or date.min, a.entered_at, a.id))


def dashboard(session: Session) -> list[IndicatorView]:
    """Every indicator with its targets, official and platform figures and status per year."""
    indicators = session.exec(select(Indicator).order_by(Indicator.number)).all()
    targets: dict[tuple[int, int], Decimal] = {
        (t.indicator_id, t.year): plain_decimal(Decimal(t.value))
        for t in session.exec(select(IndicatorTarget)).all()}
    actuals: dict[tuple[int, int], list[IndicatorActual]] = defaultdict(list)
    for a in session.exec(select(IndicatorActual).order_by(IndicatorActual.year, IndicatorActual.id)).all():
        actuals[(a.indicator_id, a.year)].append(a)
    counted = {year: platform_figures(session, year=year) for year in PLAN_YEARS}
    views = []
    for ind in indicators:
        assert ind.id is not None
        view = IndicatorView(
            id=ind.id, number=ind.number, name=ind.name, unit=ind.unit, note=ind.note,
            goal=GOAL_WORDING.get(ind.number, ""), platform_counted=ind.number in PLATFORM_COUNTED)
        for year in PLAN_YEARS:
            target = targets.get((ind.id, year))
            found = actuals.get((ind.id, year), [])
            official = _figure(_preferred(found)) if found else None
            platform = counted[year].get(ind.number)
            view.years.append(YearRow(
                year=year, target=target, official=official,
                official_assessment=assess(official.value if official else None, target),
                platform=platform, platform_assessment=assess(platform, target)))
            view.all_official.extend(_figure(a) for a in found)
        if not view.goal and view.goal_target is not None:
            view.goal = f"{view.goal_target}{ind.unit}"
        views.append(view)
    return views


def indicator_view(session: Session, *, number: int) -> IndicatorView:
    """One indicator's view, or NotFound."""
    for view in dashboard(session):
        if view.number == number:
            return view
    raise NotFound("未找到该指标")


# --- platform-counted figures -------------------------------------------------------


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
    enterprise, provider = aliased(Organisation), aliased(Organisation)
    stmt = (
        select(Contract, Match.id, Need.title, Need.category, enterprise.name, provider.name)
        .join(Match, col(Match.id) == Contract.match_id)
        .join(Need, col(Need.id) == Match.need_id)
        .join(Offer, col(Offer.id) == Match.offer_id)
        .join(enterprise, col(enterprise.id) == Need.org_id)
        .join(provider, col(provider.id) == Offer.org_id)
        .where(Match.status == MatchStatus.contracted.value,
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
    figures: dict[int, Decimal] = {}
    for number in QUALIFICATION_KINDS:
        figures[number] = Decimal(len(qualified_enterprises(session, number=number, year=year)))
    # Summed in Python: SQLite's SUM over NUMERIC returns a float.
    total = sum((c.amount_wan for c in platform_contracts(session, year=year)), Decimal(0))
    figures[CONTRACT_INDICATOR] = wan_to_yi(total)
    return figures


# --- entering official figures -------------------------------------------------------


def parse_value(raw: object) -> Decimal:
    """A figure from a form or a spreadsheet cell: a non-negative number, 4 decimals at most."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError("应为数字")
    text = str(raw).strip().replace(",", "").replace("，", "")
    if not text:
        raise ValueError("不能为空")
    # str() of an Excel float is its shortest form (1.3, not 1.300000000000000044).
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"应为数字（填写的是“{text[:20]}”）") from None
    if not value.is_finite():
        raise ValueError(f"应为数字（填写的是“{text[:20]}”）")
    if value < 0:
        raise ValueError("不能为负数")
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError("最多保留4位小数")
    if value > VALUE_MAX:
        raise ValueError("数值过大")
    return plain_decimal(value)


def indicator_by_number(session: Session, number: int) -> Indicator | None:
    return session.exec(select(Indicator).where(Indicator.number == number)).first()


def actual_exists(session: Session, *, indicator_id: int, year: int, source: str) -> bool:
    return session.exec(select(IndicatorActual.id).where(
        IndicatorActual.indicator_id == indicator_id, IndicatorActual.year == year,
        IndicatorActual.source == source)).first() is not None


def enter_actual(
    session: Session, *, actor_id: int, number: object, year: object, value: object,
    source: str, source_date: date | None = None, note: str = "",
) -> IndicatorActual:
    """Record one official figure (staff), audited in the same transaction."""
    ensure_plan_indicators(session)
    errors: dict[str, str] = {}
    ind = None
    try:
        ind = indicator_by_number(session, int(str(number)))
    except ValueError:
        pass
    if ind is None:
        errors["number"] = "请选择行动计划中的指标"
    try:
        year_int = int(str(year))
    except ValueError:
        year_int = 0
    if year_int not in PLAN_YEARS:
        errors["year"] = "年度应为 2020、2021 或 2022"
    try:
        amount = parse_value(value)
    except ValueError as exc:
        errors["value"] = f"数值{exc}"
        amount = Decimal(0)
    source = (source or "").strip()
    note = (note or "").strip()
    if not source:
        errors["source"] = "请填写数据来源（如：区统计局《2021年统计公报》）"
    elif len(source) > 100:
        errors["source"] = "数据来源不能超过100字"
    if len(note) > 500:
        errors["note"] = "备注不能超过500字"
    if not errors and ind is not None and actual_exists(
            session, indicator_id=ind.id or 0, year=year_int, source=source):
        errors["source"] = f"该指标 {year_int} 年已有来源为“{source}”的数值；如需更正，请先删除原记录"
    if errors:
        raise ValidationFailed("录入的指标数值有误，请检查标出的项目", errors=errors)
    assert ind is not None and ind.id is not None
    actual = IndicatorActual(indicator_id=ind.id, year=year_int, value=amount, source=source,
                             source_date=source_date, note=note, is_sample=False, entered_by=actor_id)
    session.add(actual)
    session.flush()
    audit.record(session, actor_id=actor_id, action="indicator.actual.enter", object_type="indicator_actual",
                 object_id=actual.id, detail={"indicator": ind.number, "year": year_int,
                                              "value": str(amount), "source": source})
    session.commit()
    return actual


def delete_actual(session: Session, *, actor_id: int, actual_id: int) -> None:
    """Remove a wrongly entered figure (staff), audited with what it was."""
    actual = session.get(IndicatorActual, actual_id)
    if actual is None:
        raise NotFound("未找到该指标数值")
    ind = session.get(Indicator, actual.indicator_id)
    audit.record(session, actor_id=actor_id, action="indicator.actual.delete", object_type="indicator_actual",
                 object_id=actual.id, detail={"indicator": ind.number if ind else None, "year": actual.year,
                                              "value": str(plain_decimal(Decimal(actual.value))),
                                              "source": actual.source, "is_sample": actual.is_sample})
    session.delete(actual)
    session.commit()

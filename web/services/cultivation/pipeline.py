"""The indicator pipeline (指标储备): for indicators 3–6, how many pooled enterprises meet every
condition of the qualification, miss one, or miss more, and the year's forecast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from models import Organisation, PoolMember, Qualification
from web.presentation.times import default_today
from web.services.cultivation import rulesets
from web.services.cultivation.rules import COUNTING_RULE, evaluate
from web.services.indicators.counted import QUALIFICATION_KINDS
from web.services.indicators.progress import IndicatorView, dashboard

# Indicator number -> the qualification whose rule set it is screened against.
PIPELINE_QUALIFICATIONS: dict[int, str] = {3: "高新技术企业", 4: "雏鹰", 5: "瞪羚", 6: "科技领军"}
FORECAST_RULE = ("预测值 = 当年实际值（有官方统计值时取官方统计值，否则取平台统计值；均无时按 0 计）"
                 " + 在库企业中尚未持有该资质、且满足全部认定条件的企业数。"
                 "预测假定满足全部条件的企业当年均获认定，仅差一项或更多的企业不计入。"
                 "认定条件按该年度适用的条件集、企业画像的当前数据判断。" + COUNTING_RULE)


@dataclass(frozen=True)
class PipelineRow:
    number: int
    name: str
    unit: str
    qualification: str
    target: Decimal | None
    actual: Decimal | None
    actual_source: str  # 官方统计 | 平台统计 | 无数据
    rule_set_name: str | None  # None: no rule set applies to the year
    pooled: int  # pooled enterprises not holding the qualification
    meets_all: int
    miss_one: int
    miss_more: int
    forecast: Decimal | None

    @property
    def forecast_gap(self) -> Decimal | None:
        """Forecast minus target (negative: short of the target)."""
        if self.forecast is None or self.target is None:
            return None
        return self.forecast - self.target


def pooled_enterprises(session: Session) -> list[Organisation]:
    """Enterprises in at least one pool now."""
    ids = select(PoolMember.org_id).where(col(PoolMember.left_at).is_(None))
    return list(session.exec(select(Organisation).where(col(Organisation.id).in_(ids))
                             .order_by(col(Organisation.id))).all())


def _holders(qualifications: Sequence[Qualification], kinds: tuple[str, ...], year: int) -> set[int]:
    return {q.org_id for q in qualifications
            if q.kind in kinds and q.year_granted <= year and (q.expires_on is None or q.expires_on >= date(year, 1, 1))}


def _actual(view: IndicatorView, year: int) -> tuple[Decimal | None, str]:
    row = next((r for r in view.years if r.year == year), None)
    if row is None:
        return None, "无数据"
    if row.official is not None:
        return row.official.value, "官方统计"
    if row.platform is not None:
        return row.platform, "平台统计"
    return None, "无数据"


def pipeline(session: Session, *, year: int, as_of: date | None = None,
             views: list[IndicatorView] | None = None) -> list[PipelineRow]:
    """One row per indicator 3–6 for ``year`` (``views``: the dashboard's, where the caller has
    read them already)."""
    as_of = as_of or default_today()
    by_number = {v.number: v for v in (dashboard(session) if views is None else views)}
    enterprises = pooled_enterprises(session)
    kinds = [k for number in PIPELINE_QUALIFICATIONS for k in QUALIFICATION_KINDS[number]]
    qualifications = session.exec(select(Qualification).where(col(Qualification.kind).in_(kinds))).all()
    sets = rulesets.rule_sets_for(session, list(PIPELINE_QUALIFICATIONS.values()), year=year)
    rows = []
    for number, qualification in PIPELINE_QUALIFICATIONS.items():
        view = by_number.get(number)
        if view is None:
            continue
        target = next((r.target for r in view.years if r.year == year), None)
        actual, source = _actual(view, year)
        held = _holders(qualifications, QUALIFICATION_KINDS[number], year)
        candidates = [o for o in enterprises if o.id not in held]
        rs = sets[qualification]
        all_, one, more = 0, 0, 0
        if rs is not None:
            for org in candidates:
                misses = evaluate(rs.rule_set, rs.rules, org, as_of=as_of).misses
                all_ += misses == 0
                one += misses == 1
                more += misses >= 2
        forecast = (actual or Decimal(0)) + all_ if rs is not None else None
        rows.append(PipelineRow(number, view.name, view.unit, qualification, target, actual, source,
                                rs.rule_set.name if rs else None, len(candidates), all_, one, more, forecast))
    return rows

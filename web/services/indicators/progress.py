"""The indicator dashboard: targets, official and platform-counted actuals, status.

Official figures are entered in :mod:`actuals`; platform figures are counted in :mod:`counted`.

Two kinds of actual are kept apart and never mixed:

- official figures (官方统计): entered by staff with a source and date (``IndicatorActual``);
- platform figures (平台统计): counted from what the platform itself holds — qualifications
  of registered enterprises (indicators 3–6) and contracts signed through matches (7).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from models import (
    Indicator,
    IndicatorActual,
    IndicatorTarget,
)
from web.presentation.figures import percent_of
from web.services.errors import NotFound
from web.services.indicators.counted import PLATFORM_COUNTED, platform_figures_by_year
from web.services.indicators.plan import PLAN_YEARS, plain_decimal

# The status rule, shown on the page as written here.
MET, NEAR, BEHIND = "达标", "接近", "滞后"
NEAR_PERCENT = Decimal(90)
STATUS_RULE = "完成率 = 实际值 ÷ 年度目标 × 100%；完成率 ≥ 100% 为“达标”，≥ 90% 且 < 100% 为“接近”，< 90% 为“滞后”。"
STATUS_BADGE = {MET: "ok", NEAR: "warn", BEHIND: "bad"}

# The plan's end goals (section 一(二)) as it words them; the rest read "<2022 target><unit>".
GOAL_WORDING = {3: "突破125家"}


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
    percent = percent_of(actual, target)
    assert percent is not None
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
    counted = platform_figures_by_year(session, years=PLAN_YEARS)
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

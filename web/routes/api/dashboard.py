"""JSON API of the indicator dashboard and the operating figures."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from web.deps import CurrentUser, SessionDep, csrf_protect, require_roles
from web.routes.params import BodyYear, RowId, Year
from web.services.errors import NotFound
from web.services.indicators import progress
from web.services.indicators.plan import PLAN_YEARS, plain_decimal
from web.services.reports import operations

router = APIRouter(prefix="/api/v1/dashboard", tags=["指标看板"])

Reader = Annotated[CurrentUser, Depends(require_roles("official", "staff", "admin"))]
Writer = Annotated[CurrentUser, Depends(require_roles("staff", "admin"))]


class Figure(BaseModel):
    value: Decimal
    percent: Decimal | None = None
    status: str | None = None


class OfficialFigurePublic(Figure):
    source: str
    source_date: date | None
    note: str
    is_sample: bool


class YearPublic(BaseModel):
    year: int
    target: Decimal | None
    official: OfficialFigurePublic | None = Field(description="官方统计（专员录入）")
    platform: Figure | None = Field(description="平台统计（平台自行计算）；不统计的指标为 null")


class IndicatorStatus(BaseModel):
    number: int
    name: str
    unit: str
    note: str
    goal_2022: str
    platform_counted: bool
    years: list[YearPublic]


class Dashboard(BaseModel):
    status_rule: str
    indicators: list[IndicatorStatus]


class ActualCreate(BaseModel):
    number: int = Field(ge=1, le=7)
    year: BodyYear
    value: str = Field(max_length=40, description="按指标单位的数值（字符串，避免浮点误差）")
    source: str = Field(max_length=100)
    source_date: date | None = None
    note: str = Field(default="", max_length=500)


class ActualCreated(BaseModel):
    id: int
    number: int
    year: int
    value: Decimal


def _status(view: progress.IndicatorView) -> IndicatorStatus:
    years = []
    for r in view.years:
        official = None
        if r.official is not None:
            a = r.official_assessment
            official = OfficialFigurePublic(
                value=r.official.value, percent=a.percent if a else None, status=a.status if a else None,
                source=r.official.source, source_date=r.official.source_date, note=r.official.note,
                is_sample=r.official.is_sample)
        platform = None
        if r.platform is not None:
            pa = r.platform_assessment
            platform = Figure(value=r.platform, percent=pa.percent if pa else None, status=pa.status if pa else None)
        years.append(YearPublic(year=r.year, target=r.target, official=official, platform=platform))
    return IndicatorStatus(number=view.number, name=view.name, unit=view.unit, note=view.note,
                           goal_2022=view.goal, platform_counted=view.platform_counted, years=years)


@router.get("/indicators", response_model=Dashboard, summary="七项指标的年度目标、实际值与状态")
def dashboard(session: SessionDep, user: Reader) -> Dashboard:
    """Targets, official and platform figures, and status per indicator and year."""
    return Dashboard(status_rule=progress.STATUS_RULE,
                     indicators=[_status(v) for v in progress.dashboard(session)])


@router.get("/indicators/{number}/platform", summary="平台统计明细（计入的企业或技术合同）")
def platform_detail(session: SessionDep, user: Reader, number: RowId,
                    year: Year = PLAN_YEARS[-1]) -> dict[str, Any]:
    """The enterprises or contracts behind a platform-counted figure."""
    if number not in progress.PLATFORM_COUNTED:
        raise NotFound("该指标由官方统计录入，平台不自行统计")
    if year not in PLAN_YEARS:
        raise NotFound("年度应为 2020、2021 或 2022")
    value = progress.platform_figures(session, year=year)[number]
    if number == progress.CONTRACT_INDICATOR:
        rows = progress.platform_contracts(session, year=year)
        return {"number": number, "year": year, "value": str(value), "unit": "亿元",
                "contracts": [{**asdict(c), "amount_wan": str(c.amount_wan), "signed_on": c.signed_on.isoformat()}
                              for c in rows]}
    orgs = progress.qualified_enterprises(session, number=number, year=year)
    return {"number": number, "year": year, "value": str(value), "unit": "家",
            "enterprises": [asdict(e) for e in orgs]}


@router.get("/operations", summary="平台运营数据")
def operations_figures(session: SessionDep, user: Reader) -> dict[str, Any]:
    """Postings per month, approval share and speed, funnel, approval rate, contract amounts."""
    ops = operations.operations(session)
    data = asdict(ops)

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return plain(data)


@router.post("/actuals", response_model=ActualCreated, status_code=201, summary="录入官方统计数值",
             dependencies=[Depends(csrf_protect)])
def enter_actual(body: ActualCreate, session: SessionDep, user: Writer) -> ActualCreated:
    """Record one official figure (staff)."""
    actual = progress.enter_actual(session, actor_id=user.id, number=body.number, year=body.year,
                                     value=body.value, source=body.source, source_date=body.source_date,
                                     note=body.note)
    assert actual.id is not None
    return ActualCreated(id=actual.id, number=body.number, year=actual.year,
                         value=plain_decimal(Decimal(actual.value)))

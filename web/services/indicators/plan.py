"""The plan's indicator table (DESIGN.md) and read access to it."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel
from sqlmodel import Session, select

from models import Indicator, IndicatorTarget

PLAN_YEARS = (2020, 2021, 2022)

# 附件：重点任务工作目标年度分解表 — cell for cell.
PLAN_INDICATORS: tuple[tuple[int, str, str, tuple[str, str, str], str], ...] = (
    (1, "全社会研发投入强度", "%", ("1.1", "1.2", "1.3"), ""),
    (2, "有效发明专利", "件", ("1000", "1050", "1110"),
     "附件标注“全市”，行动计划正文以同一2022年目标作为区内目标，本平台按全区口径展示。"),
    (3, "高新技术企业数量", "家", ("100", "115", "125"), "行动计划正文：2022年突破125家。"),
    (4, "“雏鹰”企业数量", "家", ("60", "60", "60"), ""),
    (5, "“瞪羚”企业数量", "家", ("2", "2", "3"), ""),
    (6, "科技领军（领军培育）企业数量", "家", ("1", "1", "2"), ""),
    (7, "技术合同成交额", "亿元", ("16", "18", "20"),
     "附件标注“全市”，行动计划正文以同一2022年目标作为全区目标，本平台按全区口径展示。"),
)


def plain_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros without scientific notation (1000.0000 -> 1000, 1.1000 -> 1.1)."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


class IndicatorPublic(BaseModel):
    number: int
    name: str
    unit: str
    note: str
    targets: dict[int, Decimal]


def ensure_plan_indicators(session: Session) -> None:
    """Insert the seven indicators and their targets if missing (flushes only)."""
    for number, name, unit, targets, note in PLAN_INDICATORS:
        ind = session.exec(select(Indicator).where(Indicator.number == number)).first()
        if ind is None:
            ind = Indicator(number=number, name=name, unit=unit, note=note)
            session.add(ind)
            session.flush()
        for year, value in zip(PLAN_YEARS, targets, strict=True):
            exists = session.exec(select(IndicatorTarget).where(
                IndicatorTarget.indicator_id == ind.id, IndicatorTarget.year == year)).first()
            if exists is None:
                session.add(IndicatorTarget(indicator_id=ind.id, year=year, value=Decimal(value)))
    session.flush()


def list_indicators(session: Session) -> list[IndicatorPublic]:
    inds = session.exec(select(Indicator).order_by(Indicator.number)).all()
    targets = session.exec(select(IndicatorTarget)).all()
    by_ind: dict[int, dict[int, Decimal]] = {}
    for t in targets:
        by_ind.setdefault(t.indicator_id, {})[t.year] = plain_decimal(t.value)
    return [IndicatorPublic(number=i.number, name=i.name, unit=i.unit, note=i.note,
                            targets=dict(sorted(by_ind.get(i.id or 0, {}).items())))
            for i in inds]

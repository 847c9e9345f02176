"""Official figures (官方统计): entered by staff one at a time, with a source and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from models import Indicator, IndicatorActual
from models.indicator import NOTE_MAX, SOURCE_MAX, VALUE_MAX, VALUE_PLACES
from web.services import audit
from web.services.errors import NotFound, ValidationFailed
from web.services.indicators.plan import PLAN_YEARS, ensure_plan_indicators, plain_decimal


@dataclass(frozen=True)
class UnitRule:
    """What a plausible figure looks like in one unit."""

    whole: bool  # counts (件, 家) are whole numbers
    places: int  # decimal places allowed
    maximum: Decimal
    hint: str  # shown with the error, so the person knows what to type

    def check(self, value: Decimal) -> None:
        if self.whole and value != value.to_integral():
            raise ValueError(f"应为整数（{self.hint}）")
        if value.as_tuple().exponent < -self.places:  # type: ignore[operator]
            raise ValueError(f"最多保留{self.places}位小数")
        if value > self.maximum:
            raise ValueError(f"超出合理范围（{self.hint}）")


# One rule per unit of the plan's indicators. The percentage is R&D spending over GDP: no
# district comes near 20%, so a bigger figure is a typo (500 for 5.00, or a ratio x100 twice).
# Every rule stays within the column (VALUE_PLACES decimals, VALUE_MAX).
UNIT_RULES: dict[str, UnitRule] = {
    "%": UnitRule(whole=False, places=2, maximum=Decimal(20), hint="百分比填 0—20 之间的数，1.25 表示 1.25%"),
    "件": UnitRule(whole=True, places=0, maximum=Decimal(1_000_000), hint="件数为 0—1000000 的整数"),
    "家": UnitRule(whole=True, places=0, maximum=Decimal(100_000), hint="企业数为 0—100000 的整数"),
    "亿元": UnitRule(whole=False, places=VALUE_PLACES, maximum=Decimal(10_000),
                   hint="金额以亿元为单位，0—10000，1.5 表示 1.5亿元"),
}


def parse_number(raw: object) -> Decimal:
    """A non-negative number from a form or a spreadsheet cell, before its unit is known."""
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
    if value > VALUE_MAX:
        raise ValueError("数值过大")
    return value


def parse_value(raw: object, *, unit: str) -> Decimal:
    """A figure from a form or a spreadsheet cell, checked against its indicator's unit."""
    value = plain_decimal(parse_number(raw))  # 125.0 is a whole number, 1.250 has two places
    UNIT_RULES[unit].check(value)
    return value


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
    amount = Decimal(0)
    try:
        amount = parse_value(value, unit=ind.unit) if ind is not None else parse_number(value)
    except ValueError as exc:
        errors["value"] = f"数值{exc}"
    source = (source or "").strip()
    note = (note or "").strip()
    if not source:
        errors["source"] = "请填写数据来源（如：区统计局《2021年统计公报》）"
    elif len(source) > SOURCE_MAX:
        errors["source"] = f"数据来源不能超过{SOURCE_MAX}字"
    if len(note) > NOTE_MAX:
        errors["note"] = f"备注不能超过{NOTE_MAX}字"
    if not errors and ind is not None and actual_exists(
            session, indicator_id=ind.id or 0, year=year_int, source=source):
        errors["source"] = f"该指标 {year_int} 年已有来源为“{source}”的数值；如需更正，请先删除原记录"
    if errors:
        session.rollback()  # the plan's indicators may have been added first: nothing stays
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


@dataclass(frozen=True)
class ActualSummary:
    indicator: str  # "1. 全社会研发投入强度"
    year: int
    value: str  # with its unit
    source: str


def describe_actual(session: Session, *, actual_id: int) -> ActualSummary:
    """What an entered figure is, in words (for the confirmation and the message after)."""
    actual = session.get(IndicatorActual, actual_id)
    if actual is None:
        raise NotFound("未找到该指标数值")
    ind = session.get(Indicator, actual.indicator_id)
    assert ind is not None
    return ActualSummary(indicator=f"{ind.number}. {ind.name}", year=actual.year,
                         value=f"{plain_decimal(Decimal(actual.value))}{ind.unit}", source=actual.source)


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

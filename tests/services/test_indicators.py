"""Indicator targets, status rule, and the figures the platform counts itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from models import AuditLog, IndicatorActual
from tests.factories import (
    make_actual,
    make_contract,
    make_match,
    make_need,
    make_offer,
    make_org,
    make_qualification,
    make_user,
)
from web.services.errors import ValidationFailed
from web.services.indicators.actuals import UNIT_RULES, delete_actual, enter_actual, parse_value
from web.services.indicators.counted import (
    platform_contracts,
    platform_figures,
    platform_figures_by_year,
    qualified_enterprises,
    wan_to_yi,
)
from web.services.indicators.plan import ensure_plan_indicators
from web.services.indicators.progress import BEHIND, MET, NEAR, assess, dashboard

# The plan's annex (重点任务工作目标年度分解表), typed in again independently of the code.
ANNEX = [
    (1, "全社会研发投入强度", "%", "1.1", "1.2", "1.3"),
    (2, "有效发明专利", "件", "1000", "1050", "1110"),
    (3, "高新技术企业数量", "家", "100", "115", "125"),
    (4, "“雏鹰”企业数量", "家", "60", "60", "60"),
    (5, "“瞪羚”企业数量", "家", "2", "2", "3"),
    (6, "科技领军（领军培育）企业数量", "家", "1", "1", "2"),
    (7, "技术合同成交额", "亿元", "16", "18", "20"),
]


@pytest.fixture
def plan(session: Session) -> Session:
    ensure_plan_indicators(session)
    session.commit()
    return session


def test_targets_equal_the_plan_cell_for_cell(plan: Session) -> None:
    views = dashboard(plan)
    got = [(v.number, v.name, v.unit, *(str(r.target) for r in v.years)) for v in views]
    assert got == ANNEX
    assert [r.year for r in views[0].years] == [2020, 2021, 2022]
    assert views[2].goal == "突破125家"  # the plan's text for the 2022 high-tech goal
    assert views[0].goal == "1.3%" and views[6].goal == "20亿元"
    assert "全市" in views[1].note and "全区" in views[6].note


@pytest.mark.parametrize(("actual", "target", "status", "percent"), [
    ("125", "125", MET, "100.0"),
    ("125.0001", "125", MET, "100.0"),
    ("124.9999", "125", NEAR, "99.9"),  # truncated, never rounded up to a false 100%
    ("112.5", "125", NEAR, "90.0"),  # exactly 90%
    ("112.4999", "125", BEHIND, "89.9"),
    ("0", "125", BEHIND, "0.0"),
    ("1.3", "1.3", MET, "100.0"),
    ("1.17", "1.3", NEAR, "90.0"),
    ("1.1699", "1.3", BEHIND, "89.9"),
    ("18", "20", NEAR, "90.0"),
    ("17.9999", "20", BEHIND, "89.9"),
    ("30", "20", MET, "150.0"),
])
def test_status_rule_at_its_boundaries(actual: str, target: str, status: str, percent: str) -> None:
    a = assess(Decimal(actual), Decimal(target))
    assert a is not None
    assert (a.status, str(a.percent)) == (status, percent)


def test_no_status_without_a_figure() -> None:
    assert assess(None, Decimal(1)) is None
    assert assess(Decimal(1), None) is None


def test_qualification_counts_follow_grant_year_and_expiry(plan: Session) -> None:
    a, b, c, d = (make_org(plan) for _ in range(4))
    make_qualification(plan, org=a, kind="高新技术企业", year_granted=2019, expires_on=date(2022, 12, 31))
    make_qualification(plan, org=b, kind="高新技术企业", year_granted=2021, expires_on=date(2024, 12, 31))
    make_qualification(plan, org=c, kind="高新技术企业", year_granted=2018, expires_on=date(2020, 12, 31))
    make_qualification(plan, org=d, kind="高新技术企业", year_granted=2017, expires_on=date(2019, 12, 31))
    # Indicator 6 counts 科技领军 and 领军培育 together, each enterprise once.
    make_qualification(plan, org=a, kind="科技领军", year_granted=2020)
    make_qualification(plan, org=a, kind="领军培育", year_granted=2019)
    make_qualification(plan, org=b, kind="领军培育", year_granted=2022)
    make_qualification(plan, org=c, kind="瞪羚", year_granted=2021, expires_on=date(2022, 1, 1))
    make_qualification(plan, org=d, kind="雏鹰", year_granted=2023)
    # A provider holding a qualification is no enterprise: not counted.
    uni = make_org(plan, kind="university")
    make_qualification(plan, org=uni, kind="高新技术企业", year_granted=2020)

    counts = {y: platform_figures(plan, year=y) for y in (2020, 2021, 2022)}
    assert [counts[y][3] for y in (2020, 2021, 2022)] == [2, 2, 2]  # a+c, a+b, a+b
    assert [counts[y][4] for y in (2020, 2021, 2022)] == [0, 0, 0]
    assert [counts[y][5] for y in (2020, 2021, 2022)] == [0, 1, 1]  # expires 2022-01-01: still held in 2022
    assert [counts[y][6] for y in (2020, 2021, 2022)] == [1, 1, 2]
    names = {e.name for e in qualified_enterprises(plan, number=3, year=2020)}
    assert names == {a.name, c.name}
    leaders = qualified_enterprises(plan, number=6, year=2022)
    assert {e.name for e in leaders} == {a.name, b.name}
    assert len(next(e for e in leaders if e.name == a.name).qualifications) == 2
    # The dashboard's one-pass figures count exactly what the drill-downs list.
    assert platform_figures_by_year(plan, years=(2020, 2021, 2022)) == counts
    for year in (2020, 2021, 2022):
        for number in (3, 4, 5, 6):
            assert counts[year][number] == len(qualified_enterprises(plan, number=number, year=year))


def _contracted_match(session: Session, *, status: str = "contracted"):  # type: ignore[no-untyped-def]
    ent, prov = make_org(session), make_org(session, kind="intermediary")
    need = make_need(session, org=ent, category="成果转化")
    offer = make_offer(session, org=prov)
    return make_match(session, need=need, offer=offer, status=status)


def test_contract_amounts_sum_exactly_into_yi_yuan(plan: Session) -> None:
    make_contract(plan, match=_contracted_match(plan), amount_wan="12345.67", signed_on=date(2022, 3, 1))
    make_contract(plan, match=_contracted_match(plan), amount_wan="0.33", signed_on=date(2022, 12, 31))
    make_contract(plan, match=_contracted_match(plan), amount_wan="500", signed_on=date(2021, 12, 31))
    # A contract whose match is not (or no longer) contracted does not count.
    make_contract(plan, match=_contracted_match(plan, status="closed"), amount_wan="999", signed_on=date(2022, 5, 1))
    assert platform_figures(plan, year=2022)[7] == Decimal("1.2346")
    assert str(platform_figures(plan, year=2022)[7]) == "1.2346"
    assert str(platform_figures(plan, year=2021)[7]) == "0.05"
    assert str(platform_figures(plan, year=2020)[7]) == "0"
    assert platform_figures_by_year(plan, years=(2021, 2022)) == {
        y: platform_figures(plan, year=y) for y in (2021, 2022)}
    rows = platform_contracts(plan, year=2022)
    assert [r.amount_wan for r in rows] == [Decimal("12345.67"), Decimal("0.33")]
    assert rows[0].category == "成果转化"
    assert wan_to_yi(Decimal("200000")) == Decimal("20")


def test_official_and_platform_figures_stay_apart(plan: Session) -> None:
    make_actual(plan, number=7, year=2022, value="19.5", source="市科技局技术市场统计")
    make_contract(plan, match=_contracted_match(plan), amount_wan="10000", signed_on=date(2022, 7, 1))
    row = dashboard(plan)[6].years[2]
    assert row.official is not None and row.official.value == Decimal("19.5")
    assert row.official_assessment is not None and row.official_assessment.status == NEAR
    assert row.platform == Decimal("1")
    assert row.platform_assessment is not None and row.platform_assessment.status == BEHIND
    # Indicators 1 and 2 are not counted by the platform at all.
    assert dashboard(plan)[0].years[2].platform is None


def test_an_official_figure_beats_a_sample_and_samples_are_marked(plan: Session) -> None:
    make_actual(plan, number=3, year=2021, value="112", source="示例来源", is_sample=True,
                source_date=date(2022, 5, 1))
    view = dashboard(plan)[2]
    assert view.years[1].official is not None and view.years[1].official.is_sample and view.has_sample
    make_actual(plan, number=3, year=2021, value="116", source="区科技局认定名单", source_date=date(2022, 1, 1))
    view = dashboard(plan)[2]
    assert view.years[1].official is not None and view.years[1].official.value == Decimal("116")
    assert not view.years[1].official.is_sample
    assert len(view.all_official) == 2


def test_enter_actual_is_audited_and_checks_every_field(plan: Session) -> None:
    staff = make_user(plan, role="staff")
    actual = enter_actual(plan, actor_id=staff.id or 0, number="1", year="2021", value="1.25",
                          source="区统计局公报", source_date=date(2022, 3, 1), note="")
    assert actual.value == Decimal("1.25") and not actual.is_sample
    assert plan.exec(select(AuditLog).where(AuditLog.action == "indicator.actual.enter")).one().object_id == actual.id

    with pytest.raises(ValidationFailed) as err:
        enter_actual(plan, actor_id=staff.id or 0, number="9", year="2019", value="abc", source=" ")
    assert set(err.value.errors) == {"number", "year", "value", "source"}
    assert "2020" in err.value.errors["year"] and "数字" in err.value.errors["value"]
    plan.rollback()
    with pytest.raises(ValidationFailed) as err:
        enter_actual(plan, actor_id=staff.id or 0, number="1", year="2021", value="1.3", source="区统计局公报")
    assert "已有" in err.value.errors["source"]
    plan.rollback()
    assert len(plan.exec(select(IndicatorActual)).all()) == 1

    delete_actual(plan, actor_id=staff.id or 0, actual_id=actual.id or 0)
    assert plan.exec(select(IndicatorActual)).all() == []
    assert plan.exec(select(AuditLog).where(AuditLog.action == "indicator.actual.delete")).one()


@pytest.mark.parametrize(("raw", "expected"), [
    ("1.3", "1.3"), (1.3, "1.3"), (125, "125"), ("1,110", "1110"), (" 20.0000 ", "20"), (0.1 + 0.2, None),
])
def test_parse_value(raw: object, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="4位小数"):
            parse_value(raw, unit="亿元")
    else:
        assert str(parse_value(raw, unit="亿元")) == expected


@pytest.mark.parametrize("raw", ["", None, "abc", "-1", "NaN", "1e40", True])
def test_parse_value_rejects(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_value(raw, unit="亿元")


@pytest.mark.parametrize(("unit", "raw", "expected"), [
    ("%", "0", "0"), ("%", "20", "20"), ("%", "1.25", "1.25"),
    ("%", "20.01", "超出合理范围"), ("%", "500", "超出合理范围"), ("%", "1.255", "最多保留2位小数"),
    ("家", "0", "0"), ("家", "125", "125"), ("家", "100000", "100000"), ("家", "125.0", "125"),
    ("家", "12.5", "应为整数"), ("家", "100001", "超出合理范围"),
    ("件", "1110", "1110"), ("件", "1000000", "1000000"), ("件", "0.5", "应为整数"),
    ("件", "1000001", "超出合理范围"),
    ("亿元", "0", "0"), ("亿元", "0.0001", "0.0001"), ("亿元", "10000", "10000"),
    ("亿元", "10000.0001", "超出合理范围"), ("亿元", "-0.01", "不能为负数"),
])
def test_each_unit_is_checked_at_its_bounds(unit: str, raw: str, expected: str) -> None:
    if expected[0].isdigit():
        assert str(parse_value(raw, unit=unit)) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            parse_value(raw, unit=unit)


def test_every_plan_unit_has_a_rule() -> None:
    assert {unit for _, _, unit, *_ in ANNEX} <= set(UNIT_RULES)


@pytest.mark.parametrize(("number", "value"), [(1, "500"), (3, "12.5"), (2, "-1"), (7, "20000")])
def test_absurd_figures_never_reach_the_dashboard(plan: Session, number: int, value: str) -> None:
    staff = make_user(plan, role="staff")
    with pytest.raises(ValidationFailed) as err:
        enter_actual(plan, actor_id=staff.id or 0, number=str(number), year="2021", value=value,
                     source="区统计局公报")
    assert "value" in err.value.errors
    plan.rollback()
    assert plan.exec(select(IndicatorActual)).all() == []
    assert plan.exec(select(AuditLog)).all() == []

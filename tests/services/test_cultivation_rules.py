"""Qualification rules: every national 高企 condition at its boundaries, unknown is never pass,
and staff rule sets refuse impossible thresholds without writing anything."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, func, select

from models import Organisation, Rule, RuleSet
from tests.factories import make_user
from web.services.cultivation import rulesets
from web.services.cultivation.rules import FAIL, PASS, UNKNOWN, evaluate
from web.services.errors import ValidationFailed

AS_OF = date(2022, 6, 30)


def qualified(**overrides: Any) -> Organisation:
    """An enterprise that meets every national 高企 condition on AS_OF (not saved)."""
    values: dict[str, Any] = dict(
        name="x", kind="enterprise", credit_code="x", registered_on=date(2018, 3, 1), employees=100,
        sci_tech_staff=20, revenue_wan=Decimal("4000"), rd_spending_wan=Decimal("300"),
        revenue_3y_wan=Decimal("10000"), rd_spending_3y_wan=Decimal("600"), rd_domestic_3y_wan=Decimal("600"),
        hitech_revenue_wan=Decimal("3000"), invention_patents=2, total_patents=5, utility_patents=3,
        design_patents=0, software_copyrights=0, major_incident=False)
    values.update(overrides)
    return Organisation(**values)


@pytest.fixture
def national(session: Session) -> rulesets.RuleSetView:
    rulesets.ensure_default_rule_sets(session)
    session.commit()
    view = rulesets.rule_set_for(session, qualification="高新技术企业", year=2022)
    assert view is not None
    return view


def status_of(view: rulesets.RuleSetView, org: Organisation, metric: str, as_of: date = AS_OF) -> str:
    ev = evaluate(view.rule_set, view.rules, org, as_of=as_of)
    return next(r for r in ev.results if r.metric == metric).status


def result_of(view: rulesets.RuleSetView, org: Organisation, metric: str) -> Any:
    ev = evaluate(view.rule_set, view.rules, org, as_of=AS_OF)
    return next(r for r in ev.results if r.metric == metric)


def test_default_set_is_the_national_conditions(national: rulesets.RuleSetView) -> None:
    assert national.rule_set.is_default and national.rule_set.year == 2016
    assert [r.metric for r in national.rules] == [
        "years_registered", "invention_patents", "sci_tech_share", "rd_ratio_3y", "rd_domestic_share",
        "hitech_revenue_share", "no_major_incident"]
    ev = evaluate(national.rule_set, national.rules, qualified(), as_of=AS_OF)
    assert ev.meets_all and ev.misses == 0


def test_ensure_default_is_idempotent(session: Session, national: rulesets.RuleSetView) -> None:
    rulesets.ensure_default_rule_sets(session)
    session.commit()
    assert session.exec(select(func.count()).select_from(RuleSet)).one() == 1


@pytest.mark.parametrize(("revenue", "ratio_3y", "expected"), [
    # revenue exactly 50 million yuan (5000 万元) is the lowest tier: 5%
    ("5000", "0.05", PASS), ("5000", "0.0499", FAIL),
    # just above 5000 万元: 4%
    ("5000.01", "0.04", PASS), ("5000.01", "0.0399", FAIL),
    # exactly 200 million (20000 万元) is still the 4% tier; above it, 3%
    ("20000", "0.04", PASS), ("20000", "0.0399", FAIL), ("20000.01", "0.03", PASS), ("20000.01", "0.0299", FAIL),
])
def test_rd_ratio_tiers_at_their_bounds(national: rulesets.RuleSetView, revenue: str, ratio_3y: str,
                                        expected: str) -> None:
    org = qualified(revenue_wan=Decimal(revenue), revenue_3y_wan=Decimal("10000"),
                    rd_spending_3y_wan=Decimal("10000") * Decimal(ratio_3y), hitech_revenue_wan=Decimal(revenue))
    assert status_of(national, org, "rd_ratio_3y") == expected


def test_rd_ratio_distance_in_wan(national: rulesets.RuleSetView) -> None:
    org = qualified(revenue_wan=Decimal("1800"), revenue_3y_wan=Decimal("5000"), rd_spending_3y_wan=Decimal("155"),
                    rd_domestic_3y_wan=Decimal("155"), hitech_revenue_wan=Decimal("1500"))
    r = result_of(national, org, "rd_ratio_3y")
    assert r.status == FAIL
    assert r.value == "3.1%" and "5.0%" in r.required
    assert "约需再增加 95 万元" in r.distance  # 5% × 5000 − 155


@pytest.mark.parametrize(("staff", "employees", "expected"), [
    (10, 100, PASS),  # exactly 10%
    (9, 90, PASS),
    (9, 91, FAIL),  # 9.89%
    (0, 100, FAIL),
])
def test_sci_tech_staff_share_at_ten_percent(national: rulesets.RuleSetView, staff: int, employees: int,
                                             expected: str) -> None:
    assert status_of(national, qualified(sci_tech_staff=staff, employees=employees), "sci_tech_share") == expected


def test_staff_share_distance_counts_new_hires_in_the_head_count(national: rulesets.RuleSetView) -> None:
    r = result_of(national, qualified(sci_tech_staff=5, employees=100), "sci_tech_share")
    # (5 + x) / (100 + x) ≥ 10%  ->  x ≥ 5.56  ->  6 people
    assert "约需新增科技人员 6 人" in r.distance


def test_registered_one_year_boundary(national: rulesets.RuleSetView) -> None:
    assert status_of(national, qualified(registered_on=date(2021, 6, 30)), "years_registered") == PASS
    r = result_of(national, qualified(registered_on=date(2021, 7, 1)), "years_registered")
    assert r.status == FAIL and "2022-07-01" in r.distance and "还需 1 天" in r.distance


def test_core_ip_invention_or_six_others(national: rulesets.RuleSetView) -> None:
    assert status_of(national, qualified(invention_patents=1, utility_patents=None, design_patents=None,
                                         software_copyrights=None), "invention_patents") == PASS
    assert status_of(national, qualified(invention_patents=0, utility_patents=4, design_patents=1,
                                         software_copyrights=1), "invention_patents") == PASS
    assert status_of(national, qualified(invention_patents=0, utility_patents=5, design_patents=0,
                                         software_copyrights=0), "invention_patents") == FAIL
    # no invention patent and the other kinds never given: unknown, not fail and not pass
    assert status_of(national, qualified(invention_patents=0, utility_patents=None, design_patents=None,
                                         software_copyrights=None), "invention_patents") == UNKNOWN


@pytest.mark.parametrize(("domestic", "expected"), [("360", PASS), ("359.99", FAIL)])
def test_domestic_share_sixty_percent(national: rulesets.RuleSetView, domestic: str, expected: str) -> None:
    org = qualified(rd_spending_3y_wan=Decimal("600"), rd_domestic_3y_wan=Decimal(domestic))
    assert status_of(national, org, "rd_domestic_share") == expected


@pytest.mark.parametrize(("hitech", "expected"), [("2400", PASS), ("2399.99", FAIL)])
def test_hitech_revenue_sixty_percent(national: rulesets.RuleSetView, hitech: str, expected: str) -> None:
    assert status_of(national, qualified(revenue_wan=Decimal("4000"), hitech_revenue_wan=Decimal(hitech)),
                     "hitech_revenue_share") == expected


def test_incident(national: rulesets.RuleSetView) -> None:
    assert status_of(national, qualified(major_incident=False), "no_major_incident") == PASS
    assert status_of(national, qualified(major_incident=True), "no_major_incident") == FAIL
    assert status_of(national, qualified(major_incident=None), "no_major_incident") == UNKNOWN


@pytest.mark.parametrize("missing", ["registered_on", "employees", "sci_tech_staff", "revenue_3y_wan",
                                     "rd_spending_3y_wan", "rd_domestic_3y_wan", "hitech_revenue_wan",
                                     "revenue_wan", "major_incident"])
def test_unknown_is_not_pass(national: rulesets.RuleSetView, missing: str) -> None:
    ev = evaluate(national.rule_set, national.rules, qualified(**{missing: None}), as_of=AS_OF)
    unknown = [r for r in ev.results if r.status == UNKNOWN]
    assert unknown, missing
    assert not ev.meets_all and ev.misses == len(unknown) and ev.failed == 0
    assert all("缺少数据" in r.distance and r.missing for r in unknown)


def test_empty_profile_is_all_unknown(national: rulesets.RuleSetView) -> None:
    ev = evaluate(national.rule_set, national.rules,
                  Organisation(name="x", kind="enterprise", credit_code="x"), as_of=AS_OF)
    assert {r.status for r in ev.results} <= {UNKNOWN, FAIL}
    assert ev.misses == len(national.rules)


# --- staff rule sets -----------------------------------------------------------------------------


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.exec(select(func.count()).select_from(RuleSet)).one(),
            session.exec(select(func.count()).select_from(Rule)).one())


def test_staff_add_a_gazelle_set_for_a_year(session: Session, national: rulesets.RuleSetView) -> None:
    staff = make_user(session, role="staff")
    rs = rulesets.create_rule_set(session, actor_id=staff.id, values={
        "qualification": "瞪羚", "year": "2022", "name": "天津市瞪羚企业（2022）", "note": "示例"})
    rulesets.save_rule(session, rule_set_id=rs.id, actor_id=staff.id, values={
        "label": "上年营业收入不低于1000万元", "metric": "revenue_wan", "op": "min", "threshold": "1000"})
    rulesets.save_rule(session, rule_set_id=rs.id, actor_id=staff.id, values={
        "label": "研发投入强度不低于3%", "metric": "rd_intensity", "op": "min", "threshold": "3"})
    assert rulesets.rule_set_for(session, qualification="瞪羚", year=2021) is None
    view = rulesets.rule_set_for(session, qualification="瞪羚", year=2023)
    assert view is not None and view.rule_set.id == rs.id
    assert [r.threshold for r in view.rules] == [Decimal("1000"), Decimal("0.03")]
    ev = evaluate(view.rule_set, view.rules, qualified(revenue_wan=Decimal("1000"), rd_spending_wan=Decimal("29")),
                  as_of=AS_OF)
    assert [r.status for r in ev.results] == [PASS, FAIL]


def test_several_qualifications_in_one_call_answer_as_one_at_a_time(
        session: Session, national: rulesets.RuleSetView) -> None:
    staff = make_user(session, role="staff")
    for year in ("2021", "2023"):
        rs = rulesets.create_rule_set(session, actor_id=staff.id, values={
            "qualification": "瞪羚", "year": year, "name": f"瞪羚（{year}）"})
        rulesets.save_rule(session, rule_set_id=rs.id, actor_id=staff.id, values={
            "label": f"营业收入（{year}）", "metric": "revenue_wan", "op": "min", "threshold": year})
    rulesets.create_rule_set(session, actor_id=staff.id, values={  # still being written: no rules
        "qualification": "科技领军", "year": "2020", "name": "领军（草稿）"})
    asked = ["高新技术企业", "瞪羚", "科技领军", "雏鹰"]
    for year in (2020, 2022, 2024):
        together = rulesets.rule_sets_for(session, asked, year=year)
        alone = {q: rulesets.rule_set_for(session, qualification=q, year=year) for q in asked}
        assert {q: v and v.rule_set.id for q, v in together.items()} == {q: v and v.rule_set.id for q, v in alone.items()}
    by_2022 = rulesets.rule_sets_for(session, asked, year=2022)
    assert by_2022["高新技术企业"].rule_set.id == national.rule_set.id  # type: ignore[union-attr]
    assert [r.label for r in by_2022["瞪羚"].rules] == ["营业收入（2021）"]  # type: ignore[union-attr]
    assert by_2022["科技领军"] is None and by_2022["雏鹰"] is None
    assert rulesets.rule_sets_for(session, asked, year=2020)["瞪羚"] is None


def test_copy_a_set(session: Session, national: rulesets.RuleSetView) -> None:
    staff = make_user(session, role="staff")
    rs = rulesets.create_rule_set(session, actor_id=staff.id, values={
        "qualification": "高新技术企业", "year": "2023", "name": "副本", "copy_from": str(national.rule_set.id)})
    assert len(rulesets.rules_of(session, rs.id)) == len(national.rules)


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"label": "x", "metric": "sci_tech_share", "op": "min", "threshold": "101"}, "threshold", "不可能达到"),
    ({"label": "x", "metric": "revenue_wan", "op": "min", "threshold": "-1"}, "threshold", "不能为负数"),
    ({"label": "x", "metric": "employees", "op": "min", "threshold": "2.5"}, "threshold", "整数"),
    ({"label": "x", "metric": "years_registered", "op": "max", "threshold": "500"}, "threshold", "不可能达到"),
    ({"label": "x", "metric": "revenue_wan", "op": "min", "threshold": "abc"}, "threshold", "应为数字"),
    ({"label": "x", "metric": "revenue_wan", "op": "min", "threshold": "NaN"}, "threshold", "应为数字"),
    ({"label": "x", "metric": "revenue_wan", "op": "min", "threshold": ""}, "threshold", "请填写阈值"),
    ({"label": "", "metric": "revenue_wan", "op": "min", "threshold": "1"}, "label", "请填写条件说明"),
    ({"label": "x", "metric": "no_such", "op": "min", "threshold": "1"}, "metric", "请选择"),
    ({"label": "x", "metric": "rd_ratio_3y", "op": "min", "tier_metric": "revenue_wan",
      "tier_bounds": "20000,5000", "tier_values": "5,4,3"}, "tier_bounds", "从小到大"),
    ({"label": "x", "metric": "rd_ratio_3y", "op": "min", "tier_metric": "revenue_wan",
      "tier_bounds": "5000", "tier_values": "5,4,3"}, "tier_values", "多一个"),
    ({"label": "x", "metric": "rd_ratio_3y", "op": "min", "tier_metric": "revenue_wan",
      "tier_bounds": "5000", "tier_values": "150,4"}, "tier_values", "不可能达到"),
    ({"label": "x", "metric": "revenue_wan", "op": "min", "threshold": "1", "gap_category": "不存在"},
     "gap_category", "服务类别"),
])
def test_impossible_or_bad_rules_write_nothing(session: Session, national: rulesets.RuleSetView,
                                               values: dict, field: str, message: str) -> None:
    staff = make_user(session, role="staff")
    before = _counts(session)
    with pytest.raises(ValidationFailed) as exc:
        rulesets.save_rule(session, rule_set_id=national.rule_set.id, actor_id=staff.id, values=values)
    assert message in exc.value.errors[field]
    session.rollback()
    assert _counts(session) == before


def test_contradicting_min_and_max_is_refused(session: Session) -> None:
    staff = make_user(session, role="staff")
    rs = rulesets.create_rule_set(session, actor_id=staff.id, values={
        "qualification": "雏鹰", "year": "2022", "name": "雏鹰（2022）"})
    rulesets.save_rule(session, rule_set_id=rs.id, actor_id=staff.id, values={
        "label": "成立不超过5年", "metric": "years_registered", "op": "max", "threshold": "5"})
    before = _counts(session)
    with pytest.raises(ValidationFailed) as exc:
        rulesets.save_rule(session, rule_set_id=rs.id, actor_id=staff.id, values={
            "label": "成立至少8年", "metric": "years_registered", "op": "min", "threshold": "8"})
    assert "矛盾" in exc.value.message
    session.rollback()
    assert _counts(session) == before


@pytest.mark.parametrize(("values", "field"), [
    ({"qualification": "瞪羚", "year": "1999", "name": "x"}, "year"),
    ({"qualification": "瞪羚", "year": "二〇二二", "name": "x"}, "year"),
    ({"qualification": "独角兽", "year": "2022", "name": "x"}, "qualification"),
    ({"qualification": "瞪羚", "year": "2022", "name": ""}, "name"),
    ({"qualification": "高新技术企业", "year": "2016", "name": "重复"}, "year"),
])
def test_bad_rule_sets_write_nothing(session: Session, national: rulesets.RuleSetView, values: dict,
                                     field: str) -> None:
    staff = make_user(session, role="staff")
    before = _counts(session)
    with pytest.raises(ValidationFailed) as exc:
        rulesets.create_rule_set(session, actor_id=staff.id, values=values)
    assert field in exc.value.errors
    session.rollback()
    assert _counts(session) == before


def test_an_empty_set_checks_nothing(session: Session) -> None:
    staff = make_user(session, role="staff")
    rulesets.create_rule_set(session, actor_id=staff.id, values={
        "qualification": "科技领军", "year": "2022", "name": "领军（待补充）"})
    assert rulesets.rule_set_for(session, qualification="科技领军", year=2022) is None

"""Pools with history, screening, gaps ranked by the matcher, gaps posted as needs, the pipeline."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from models import GapNeed, Match, Need, PoolMember
from tests.factories import make_actual, make_offer, make_org, make_qualification, make_user
from web.presentation.times import default_today
from web.services.cultivation import gaps, pipeline, pools, rulesets
from web.services.cultivation.rules import UNKNOWN
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.indicators.plan import ensure_plan_indicators
from web.services.matching.index import IndexHolder, need_key
from web.services.matching.worker import match_inline
from web.services.postings.side import NEED, OFFER

FULL: dict[str, Any] = dict(
    registered_on=date(2015, 1, 1), employees=100, sci_tech_staff=20, revenue_wan=Decimal("4000"),
    rd_spending_wan=Decimal("300"), revenue_3y_wan=Decimal("10000"), rd_spending_3y_wan=Decimal("600"),
    rd_domestic_3y_wan=Decimal("600"), hitech_revenue_wan=Decimal("3000"), invention_patents=2, total_patents=5,
    utility_patents=3, design_patents=0, software_copyrights=0, major_incident=False)


def enterprise(session: Session, **overrides: Any) -> Any:
    return make_org(session, **{**FULL, **overrides})


def hitech_pool(session: Session) -> Any:
    pool = pools.pool_by_kind(session, "hitech")
    session.commit()
    return pool


def test_builtin_pools_and_history(session: Session) -> None:
    staff = make_user(session, role="staff")
    pool = hitech_pool(session)
    assert {p.name for p, _ in pools.list_pools(session)} >= {"高企培育库", "新动能企业白名单", "上市挂牌后备企业资源库"}
    org = enterprise(session)
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="研发强度高")
    with pytest.raises(Conflict):
        pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="再次")
    session.rollback()
    pools.remove_member(session, pool_id=pool.id, org_id=org.id, actor_id=staff.id, reason="已获认定")
    assert pools.members(session, pool_id=pool.id) == []
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="重新入库")
    history = pools.members(session, pool_id=pool.id, current=False)
    assert [(h.member.reason, h.member.left_reason) for h in history] == [("重新入库", None), ("研发强度高", "已获认定")]
    assert all(h.added_by == staff.display_name for h in history)
    assert history[1].left_by == staff.display_name and history[1].member.left_at is not None


@pytest.mark.parametrize(("call", "error"), [
    (lambda s, p, o, u: pools.add_members(s, pool_id=p, org_ids=[o], actor_id=u, reason=" "), ValidationFailed),
    (lambda s, p, o, u: pools.add_members(s, pool_id=p, org_ids=[], actor_id=u, reason="x"), ValidationFailed),
    (lambda s, p, o, u: pools.add_members(s, pool_id=p, org_ids=[999999], actor_id=u, reason="x"), NotFound),
    (lambda s, p, o, u: pools.add_members(s, pool_id=999999, org_ids=[o], actor_id=u, reason="x"), NotFound),
    (lambda s, p, o, u: pools.remove_member(s, pool_id=p, org_id=o, actor_id=u, reason="x"), NotFound),
])
def test_bad_pool_input_writes_nothing(session: Session, call: Any, error: type) -> None:
    staff = make_user(session, role="staff")
    pool = hitech_pool(session)
    org = enterprise(session)
    with pytest.raises(error):
        call(session, pool.id, org.id, staff.id)
    session.rollback()
    assert session.exec(select(func.count()).select_from(PoolMember)).one() == 0


def test_a_provider_cannot_be_pooled(session: Session) -> None:
    staff = make_user(session, role="staff")
    prov = make_org(session, kind="intermediary")
    with pytest.raises(NotFound):
        pools.add_members(session, pool_id=hitech_pool(session).id, org_ids=[prov.id], actor_id=staff.id, reason="x")


def test_screen_meets_all_but_one(session: Session) -> None:
    staff = make_user(session, role="staff")
    pool = hitech_pool(session)
    full = enterprise(session, name="甲全满足")
    one = enterprise(session, name="乙差一项", sci_tech_staff=5)
    unknown_one = enterprise(session, name="丙缺一项数据", major_incident=None)
    two = enterprise(session, name="丁差两项", sci_tech_staff=5, hitech_revenue_wan=Decimal("100"))
    inside = enterprise(session, name="戊已在库", sci_tech_staff=5)
    pools.add_members(session, pool_id=pool.id, org_ids=[inside.id], actor_id=staff.id, reason="x")
    names = lambda m: {c.org.name for c in pools.screen(session, pool_id=pool.id, misses=m)}  # noqa: E731
    assert names("one") == {one.name, unknown_one.name}
    assert names("all") == {full.name}
    assert names("more") == {two.name}


def _patent_offers(session: Session) -> tuple[Any, Any, Any]:
    agency = make_org(session, kind="intermediary", name="某专利代理事务所")
    patent = make_offer(session, org=agency, title="发明专利申请代理与专利布局",
                        description="为企业提供发明专利申请代理、专利布局与专利转让服务", category="知识产权")
    coaching = make_offer(session, org=agency, title="研发费用加计扣除辅导",
                          description="研发费用归集不规范的企业：研发费用专账核算与加计扣除辅导，高企认定申报辅导",
                          category="资质申报")
    unrelated = make_offer(session, org=agency, title="工业设计外观优化", description="产品外观造型设计",
                           category="工业设计")
    return patent, coaching, unrelated


def test_gap_offers_come_from_the_matcher(session: Session) -> None:
    staff = make_user(session, role="staff")
    pool = hitech_pool(session)
    patent, coaching, unrelated = _patent_offers(session)
    closed = make_offer(session, org=make_org(session, kind="tech_transfer"), title="发明专利转让",
                        description="发明专利转让 技术转移", category="知识产权", status="withdrawn")
    org = enterprise(session, invention_patents=0, utility_patents=1, rd_spending_3y_wan=Decimal("100"),
                     rd_domestic_3y_wan=Decimal("100"))
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="x")
    holder = IndexHolder.from_session(session)
    page = gaps.gap_page(session, holder, pool_id=pool.id, org_id=org.id, as_of=date(2022, 6, 30))
    by_metric = {g.result.metric: g for g in page.gaps}
    assert set(by_metric) == {"invention_patents", "rd_ratio_3y"}
    ip = by_metric["invention_patents"]
    assert ip.offers[0].offer.id == patent.id
    assert closed.id not in {h.offer.id for h in ip.offers}
    assert by_metric["rd_ratio_3y"].offers[0].offer.id == coaching.id
    # The same ranking the matcher gives a need with the gap's words.
    posting = gaps.gap_posting(ip.result, region=org.region)
    engine = holder.match(NEED, posting, gaps.OFFERS_PER_GAP)
    assert [h.offer.id for h in ip.offers] == [OFFER.posting_id(m.offer_id) for m in engine]
    assert [h.score for h in ip.offers] == [m.score for m in engine]


def test_gap_page_needs_a_current_member(session: Session) -> None:
    pool = hitech_pool(session)
    org = enterprise(session)
    with pytest.raises(NotFound):
        gaps.gap_page(session, IndexHolder.from_session(session), pool_id=pool.id, org_id=org.id)


def _consent(**overrides: Any) -> dict[str, Any]:
    return {"title": "发明专利申请代理", "description": "企业尚无发明专利，需要发明专利申请代理与布局服务",
            "category": "知识产权", "consent_by": "王总", "consent_channel": "电话确认",
            "consent_on": default_today().isoformat(), "consent_confirmed": "1", **overrides}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"consent_confirmed": ""}, "consent_confirmed"),
    ({"consent_by": ""}, "consent_by"),
    ({"consent_channel": "托梦"}, "consent_channel"),
    ({"consent_on": (default_today() + timedelta(days=1)).isoformat()}, "consent_on"),
    ({"consent_on": "昨天"}, "consent_on"),
    ({"title": ""}, "title"),
    ({"category": "不存在"}, "category"),
])
def test_gap_need_without_valid_consent_writes_nothing(session: Session, overrides: dict, field: str) -> None:
    staff = make_user(session, role="staff")
    pool = hitech_pool(session)
    _patent_offers(session)
    org = enterprise(session, invention_patents=0, utility_patents=1)
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="x")
    view = rulesets.rule_set_for(session, qualification="高新技术企业", year=default_today().year)
    rule = next(r for r in view.rules if r.metric == "invention_patents")
    with pytest.raises(ValidationFailed) as exc:
        gaps.post_gap_need(session, IndexHolder.from_session(session), pool_id=pool.id, org_id=org.id,
                           rule_id=rule.id, actor_id=staff.id, values=_consent(**overrides))
    assert field in exc.value.errors
    session.rollback()
    assert session.exec(select(func.count()).select_from(Need)).one() == 0
    assert session.exec(select(func.count()).select_from(GapNeed)).one() == 0


def test_gap_becomes_a_need_with_consent_and_is_matched(session: Session, engine: Engine) -> None:
    staff = make_user(session, role="staff")
    pool = hitech_pool(session)
    patent, _, _ = _patent_offers(session)
    org = enterprise(session, invention_patents=0, utility_patents=1)
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="x")
    view = rulesets.rule_set_for(session, qualification="高新技术企业", year=default_today().year)
    rule = next(r for r in view.rules if r.metric == "invention_patents")
    holder = IndexHolder.from_session(session)
    match_inline(holder, engine)  # no background thread here: the write is matched before it returns
    need = gaps.post_gap_need(session, holder, pool_id=pool.id, org_id=org.id, rule_id=rule.id,
                              actor_id=staff.id, values=_consent())
    assert need.org_id == org.id and need.status == "open" and need.created_by == staff.id
    link = session.exec(select(GapNeed)).one()
    assert (link.need_id, link.rule_id, link.consent_by, link.consent_channel) == (need.id, rule.id, "王总", "电话确认")
    assert need_key(need.id) in holder.index.needs_.postings
    assert session.exec(select(Match).where(Match.need_id == need.id, Match.offer_id == patent.id)).first()
    page = gaps.gap_page(session, holder, pool_id=pool.id, org_id=org.id)
    assert [g.need_id for g in next(g for g in page.gaps if g.result.rule_id == rule.id).posted] == [need.id]


def test_a_need_is_never_stored_without_its_consent_record(session: Session, engine: Engine,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    staff = make_user(session, role="staff")
    pool = hitech_pool(session)
    org = enterprise(session, invention_patents=0, utility_patents=1)
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="x")
    view = rulesets.rule_set_for(session, qualification="高新技术企业", year=default_today().year)
    rule = next(r for r in view.rules if r.metric == "invention_patents")

    def dies(*args: Any, **kwargs: Any) -> None:  # the process dies while recording the consent
        raise RuntimeError("killed")

    monkeypatch.setattr(gaps, "GapNeed", dies)
    holder = IndexHolder.from_session(session)
    session.commit()
    with Session(engine) as work, pytest.raises(RuntimeError):  # a real transaction, as in a request
        gaps.post_gap_need(work, holder, pool_id=pool.id, org_id=org.id, rule_id=rule.id, actor_id=staff.id,
                           values=_consent())
    assert session.exec(select(func.count()).select_from(Need)).one() == 0


# --- the pipeline ------------------------------------------------------------------------------------


def test_pipeline_counts_from_known_fixtures(session: Session) -> None:
    ensure_plan_indicators(session)
    session.commit()
    staff = make_user(session, role="staff")
    pool = hitech_pool(session)
    white = pools.pool_by_kind(session, "whitelist")
    session.commit()
    meets = [enterprise(session), enterprise(session)]
    miss_one = [enterprise(session, sci_tech_staff=1), enterprise(session, major_incident=None)]
    miss_more = [enterprise(session, sci_tech_staff=1, hitech_revenue_wan=Decimal("1"))]
    holder = enterprise(session)  # already a 高企: not a candidate for indicator 3
    make_qualification(session, org=holder, kind="高新技术企业", year_granted=2021)
    outside = enterprise(session)  # meets all but is in no pool
    left = enterprise(session)  # left the pool: no longer counted
    ids = [o.id for o in meets + miss_one + miss_more + [holder, left]]
    pools.add_members(session, pool_id=pool.id, org_ids=ids, actor_id=staff.id, reason="x")
    pools.add_members(session, pool_id=white.id, org_ids=[meets[0].id], actor_id=staff.id, reason="both pools")
    pools.remove_member(session, pool_id=pool.id, org_id=left.id, actor_id=staff.id, reason="迁出")
    make_actual(session, number=3, year=2022, value="120")
    rows = {r.number: r for r in pipeline.pipeline(session, year=2022, as_of=date(2022, 6, 30))}
    hi = rows[3]
    assert (hi.pooled, hi.meets_all, hi.miss_one, hi.miss_more) == (5, 2, 2, 1) and outside.id not in ids
    assert hi.actual == Decimal("120") and hi.actual_source == "官方统计"
    assert hi.forecast == Decimal("122") and hi.target == Decimal("125") and hi.forecast_gap == Decimal("-3")
    # No 雏鹰 rules yet: no counts and no forecast rather than a made-up one.
    assert rows[4].rule_set_name is None and rows[4].forecast is None
    assert "预测值" in pipeline.FORECAST_RULE


def test_pipeline_uses_staff_rule_sets_and_platform_counts(session: Session) -> None:
    ensure_plan_indicators(session)
    session.commit()
    staff = make_user(session, role="staff")
    rs = rulesets.create_rule_set(session, actor_id=staff.id, values={
        "qualification": "雏鹰", "year": "2021", "name": "雏鹰（2021）"})
    rulesets.save_rule(session, rule_set_id=rs.id, actor_id=staff.id, values={
        "label": "职工不少于10人", "metric": "employees", "op": "min", "threshold": "10"})
    pool = hitech_pool(session)
    a, b, c = enterprise(session, employees=10), enterprise(session, employees=9), enterprise(session, employees=None)
    pools.add_members(session, pool_id=pool.id, org_ids=[a.id, b.id, c.id], actor_id=staff.id, reason="x")
    eagle = enterprise(session)
    make_qualification(session, org=eagle, kind="雏鹰", year_granted=2020)  # counted by the platform
    row = next(r for r in pipeline.pipeline(session, year=2022) if r.number == 4)
    assert (row.meets_all, row.miss_one, row.miss_more) == (1, 2, 0)
    assert row.actual == Decimal("1") and row.actual_source == "平台统计" and row.forecast == Decimal("2")
    unknown = gaps.evaluation_for(session, org=c, qualification="雏鹰", as_of=date(2022, 1, 1))
    assert unknown is not None and unknown.results[0].status == UNKNOWN

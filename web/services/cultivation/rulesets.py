"""Rule sets as data: the national 高新技术企业 conditions shipped by default, and the sets staff
add and edit for 雏鹰, 瞪羚 and 科技领军 as Tianjin publishes them each year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from models import Rule, RuleSet
from models.organisation import QualificationKind
from web.services import audit, dictionaries
from web.services.cultivation import validation
from web.services.errors import Conflict, NotFound, ValidationFailed

HITECH = QualificationKind.hitech.value
RULE_QUALIFICATIONS = (HITECH, QualificationKind.eagle.value, QualificationKind.gazelle.value,
                       QualificationKind.leader.value)
DEFAULT_YEAR = 2016  # 《高新技术企业认定管理办法》（国科发火〔2016〕32号）

_RD_GAP = "研发费用归集不规范 研发费用加计扣除辅导 研发项目立项 研发费用专账核算 高企认定申报辅导"
# label, metric, op, threshold, extra, gap text, gap category — the national conditions (第十一条).
DEFAULT_HITECH_RULES: tuple[tuple[str, str, str, str | None, dict[str, Any], str, str | None], ...] = (
    ("注册成立一年以上", "years_registered", "min", "1", {}, "", None),
    ("拥有核心自主知识产权（发明专利，或实用新型、外观设计、软件著作权达到规定件数）", "invention_patents",
     "min", "1", {"alt_metric": "other_ip", "alt_threshold": "6"},
     "缺发明专利 发明专利申请代理 专利布局 专利转让 技术转移 成果转化 知识产权", "知识产权"),
    ("科技人员占职工总数比例不低于10%", "sci_tech_share", "min", "0.10", {},
     "科技人员不足 研发人才引进 科技人才招聘 专家对接 博士后工作站", "人才服务"),
    ("近三年研发费用占同期销售收入比例（上年收入≤5000万元 5%，5000万—2亿元 4%，>2亿元 3%）",
     "rd_ratio_3y", "min", None,
     {"tier_metric": "revenue_wan", "tiers": [[5000, "0.05"], [20000, "0.04"], [None, "0.03"]]},
     _RD_GAP, "资质申报"),
    ("在中国境内发生的研发费用占全部研发费用比例不低于60%", "rd_domestic_share", "min", "0.60", {},
     "境内研发 产学研合作 联合研发 高校 科研院所 委托研发 研发费用归集", "技术攻关"),
    ("近一年高新技术产品（服务）收入占同期总收入比例不低于60%", "hitech_revenue_share", "min", "0.60", {},
     "高新技术产品收入核算 高新技术产品认定 科技成果转化 产品开发 高企认定申报辅导", "资质申报"),
    ("申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为", "no_major_incident", "min", "1", {},
     "安全生产 质量管理体系认证 环境合规 管理咨询", "管理咨询"),
)


@dataclass(frozen=True)
class RuleSetView:
    rule_set: RuleSet
    rules: list[Rule]


def ensure_default_rule_sets(session: Session) -> None:
    """Insert the national 高企 set if no default set exists yet (flushes only)."""
    if session.exec(select(RuleSet.id).where(col(RuleSet.is_default).is_(True))).first() is not None:
        return
    rs = RuleSet(qualification=HITECH, year=DEFAULT_YEAR, is_default=True, name="高新技术企业认定条件（国家）",
                 note="《高新技术企业认定管理办法》（国科发火〔2016〕32号）第十一条；“主要产品技术领域”等"
                      "无法由企业画像判断的条件未列入。")
    session.add(rs)
    session.flush()
    for pos, (label, metric, op, threshold, extra, gap, cat) in enumerate(DEFAULT_HITECH_RULES, start=1):
        session.add(Rule(rule_set_id=rs.id or 0, position=pos, label=label, metric=metric, op=op,
                         threshold=Decimal(threshold) if threshold else None,
                         tier_metric=extra.get("tier_metric"), tiers=extra.get("tiers", []),
                         alt_metric=extra.get("alt_metric"),
                         alt_threshold=Decimal(extra["alt_threshold"]) if "alt_threshold" in extra else None,
                         gap_text=gap, gap_category=cat))
    session.flush()


def list_rule_sets(session: Session) -> list[RuleSet]:
    ensure_default_rule_sets(session)
    return list(session.exec(select(RuleSet).order_by(col(RuleSet.qualification), col(RuleSet.year).desc())).all())


def rules_of(session: Session, rule_set_id: int) -> list[Rule]:
    return list(session.exec(select(Rule).where(Rule.rule_set_id == rule_set_id)
                             .order_by(col(Rule.position), col(Rule.id))).all())


def get_rule_set(session: Session, rule_set_id: int) -> RuleSetView:
    rs = session.get(RuleSet, rule_set_id)
    if rs is None:
        raise NotFound("未找到该认定条件")
    return RuleSetView(rs, rules_of(session, rule_set_id))


def rule_set_for(session: Session, *, qualification: str, year: int) -> RuleSetView | None:
    """The set that applies to ``qualification`` in ``year``: the latest one from that year or
    before; None when there is none or it has no rules yet."""
    return rule_sets_for(session, [qualification], year=year)[qualification]


def rule_sets_for(session: Session, qualifications: Sequence[str], *, year: int) -> dict[str, RuleSetView | None]:
    """:func:`rule_set_for` of several qualifications, in three queries whatever their number
    (the dashboard asks for four on every view)."""
    ensure_default_rule_sets(session)
    latest: dict[str, RuleSet] = {}
    for rs in session.exec(select(RuleSet).where(col(RuleSet.qualification).in_(qualifications),
                                                 col(RuleSet.year) <= year)
                           .order_by(col(RuleSet.year).desc(), col(RuleSet.id))):
        latest.setdefault(rs.qualification, rs)
    rules: dict[int, list[Rule]] = {}
    for rule in session.exec(select(Rule).where(col(Rule.rule_set_id).in_([rs.id for rs in latest.values()]))
                             .order_by(col(Rule.position), col(Rule.id))):
        rules.setdefault(rule.rule_set_id, []).append(rule)
    views: dict[str, RuleSetView | None] = dict.fromkeys(qualifications)
    for q, rs in latest.items():
        # A set still being written checks nothing: nobody "meets all" of zero conditions.
        if rs.id in rules:
            views[q] = RuleSetView(rs, rules[rs.id])
    return views


def create_rule_set(session: Session, *, actor_id: int, values: dict[str, Any]) -> RuleSet:
    """Add a rule set for a qualification and year, optionally copying another set's rules. Commits."""
    clean = validation.rule_set_values(values, RULE_QUALIFICATIONS)
    if session.exec(select(RuleSet.id).where(RuleSet.qualification == clean["qualification"],
                                             RuleSet.year == clean["year"])).first():
        raise ValidationFailed(f"{clean['qualification']} {clean['year']} 年的认定条件已存在，请直接编辑",
                               field="year")
    copy_from = str(values.get("copy_from") or "").strip()
    source = None
    if copy_from:
        source = session.get(RuleSet, int(copy_from)) if copy_from.isdigit() else None
        if source is None:
            raise ValidationFailed("要复制的认定条件不存在", field="copy_from")
    rs = RuleSet(created_by=actor_id, updated_at=datetime.now(UTC), **clean)
    session.add(rs)
    session.flush()
    for r in rules_of(session, source.id or 0) if source else []:
        session.add(Rule(**r.model_dump(exclude={"id", "rule_set_id"}), rule_set_id=rs.id or 0))
    audit.record(session, actor_id=actor_id, action="ruleset.create", object_type="ruleset", object_id=rs.id,
                 detail={"qualification": rs.qualification, "year": rs.year})
    session.commit()
    return rs


def update_rule_set(session: Session, *, rule_set_id: int, actor_id: int, values: dict[str, Any]) -> RuleSet:
    """Rename a set, change its year or note. Commits."""
    rs = get_rule_set(session, rule_set_id).rule_set
    clean = validation.rule_set_values({**values, "qualification": rs.qualification}, RULE_QUALIFICATIONS)
    clash = session.exec(select(RuleSet.id).where(RuleSet.qualification == rs.qualification,
                                                  RuleSet.year == clean["year"], RuleSet.id != rs.id)).first()
    if clash:
        raise ValidationFailed(f"{rs.qualification} {clean['year']} 年的认定条件已存在", field="year")
    for k, v in clean.items():
        setattr(rs, k, v)
    rs.updated_at = datetime.now(UTC)
    session.add(rs)
    audit.record(session, actor_id=actor_id, action="ruleset.update", object_type="ruleset", object_id=rs.id,
                 detail={"year": rs.year})
    session.commit()
    return rs


def save_rule(session: Session, *, rule_set_id: int, actor_id: int, values: dict[str, Any],
              rule_id: int | None = None) -> Rule:
    """Add a rule to a set, or change one; impossible thresholds are refused. Commits."""
    view = get_rule_set(session, rule_set_id)
    rule = None
    if rule_id is not None:
        rule = next((r for r in view.rules if r.id == rule_id), None)
        if rule is None:
            raise NotFound("未找到该条件")
    # The active 字典管理 categories; a rule keeps its own even after that category was retired.
    categories = dict(dictionaries.options(session, "category"))
    if rule is not None and rule.gap_category:
        categories.setdefault(rule.gap_category, rule.gap_category)
    clean = validation.rule_values(values, categories=categories)
    others = [r for r in view.rules if r.id != rule_id]
    validation.check_consistent(clean, others)
    if rule is None:
        rule = Rule(rule_set_id=rule_set_id, position=max((r.position for r in view.rules), default=0) + 1, **clean)
    else:
        for k, v in clean.items():
            setattr(rule, k, v)
    session.add(rule)
    view.rule_set.updated_at = datetime.now(UTC)
    session.add(view.rule_set)
    session.flush()
    audit.record(session, actor_id=actor_id, action="rule.save", object_type="rule", object_id=rule.id,
                 detail={"rule_set_id": rule_set_id, "metric": rule.metric, "label": rule.label})
    session.commit()
    return rule


def delete_rule(session: Session, *, rule_set_id: int, rule_id: int, actor_id: int) -> None:
    """Remove a rule from a set (the set keeps at least one). Commits."""
    view = get_rule_set(session, rule_set_id)
    rule = next((r for r in view.rules if r.id == rule_id), None)
    if rule is None:
        raise NotFound("未找到该条件")
    if len(view.rules) == 1:
        raise Conflict("认定条件至少保留一条；如需停用整套条件，请改其适用年度")
    session.delete(rule)
    audit.record(session, actor_id=actor_id, action="rule.delete", object_type="rule", object_id=rule_id,
                 detail={"rule_set_id": rule_set_id, "label": rule.label})
    session.commit()

"""Checking an enterprise against a rule set: pass, fail or unknown, and the distance to pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from models import Organisation, Rule, RuleSet
from web.services.cultivation import metrics
from web.services.cultivation.metrics import COUNT, FLAG, MONEY, RATIO, YEARS

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
STATUS_LABELS = {PASS: "达标", FAIL: "未达标", UNKNOWN: "缺数据"}
# How pages and the pipeline count: a rule that is not passed is a miss, whether it failed
# or its figure is missing (unknown is never a pass).
COUNTING_RULE = "“未满足”包括未达标与缺数据两种情况：缺少数据的条件不视为达标。"


@dataclass(frozen=True)
class RuleResult:
    rule_id: int
    label: str
    metric: str
    status: str
    value: str  # the enterprise's figure as shown
    required: str  # what it needs, as shown
    distance: str  # what is left to pass ("" when passed)
    missing: list[str] = field(default_factory=list)  # profile fields to fill in
    gap_text: str = ""
    gap_category: str | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_gap(self) -> bool:
        return self.status != PASS


@dataclass(frozen=True)
class Evaluation:
    rule_set: RuleSet
    results: list[RuleResult]

    @property
    def misses(self) -> int:
        return sum(1 for r in self.results if r.status != PASS)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.status == FAIL)

    @property
    def unknown(self) -> int:
        return sum(1 for r in self.results if r.status == UNKNOWN)

    @property
    def meets_all(self) -> bool:
        return bool(self.results) and self.misses == 0

    @property
    def gaps(self) -> list[RuleResult]:
        return [r for r in self.results if r.is_gap]


def tier_threshold(rule: Rule, tier_value: Decimal) -> Decimal:
    """The threshold of the tier ``tier_value`` falls in; a bound belongs to its own tier."""
    for bound, threshold in rule.tiers:
        if bound is None or tier_value <= Decimal(str(bound)):
            return Decimal(str(threshold))
    return Decimal(str(rule.tiers[-1][1]))


def _reaches(op: str, value: Decimal, threshold: Decimal) -> bool:
    return value >= threshold if op == "min" else value <= threshold


def _required_text(op: str, key: str, threshold: Decimal) -> str:
    if metrics.metric(key).kind == FLAG:
        return "须为“是”"
    return ("≥ " if op == "min" else "≤ ") + metrics.show(key, threshold)


def evaluate_rule(rule: Rule, org: Organisation, as_of: date) -> RuleResult:
    """One rule for one enterprise on ``as_of``."""
    key = rule.metric
    value = metrics.read(key, org, as_of)
    missing = metrics.missing_fields(key, org) if value is None else []
    threshold = Decimal(rule.threshold) if rule.threshold is not None else None
    tier_note = ""
    if rule.tier_metric and rule.tiers:
        tier_value = metrics.read(rule.tier_metric, org, as_of)
        if tier_value is None:
            missing += [f for f in metrics.missing_fields(rule.tier_metric, org) if f not in missing]
            threshold = None
        else:
            threshold = tier_threshold(rule, tier_value)
            tier_note = f"（{metrics.metric(rule.tier_metric).label} {metrics.show(rule.tier_metric, tier_value)}）"
    base = dict(rule_id=rule.id or 0, label=rule.label, metric=key, gap_text=rule.gap_text,
                gap_category=rule.gap_category, value=metrics.show(key, value))
    if threshold is not None and value is not None and _reaches(rule.op, value, threshold):
        return RuleResult(status=PASS, required=_required_text(rule.op, key, threshold) + tier_note,
                          distance="", **base)
    if rule.alt_metric and rule.alt_threshold is not None:
        alt = metrics.read(rule.alt_metric, org, as_of)
        alt_required = f"或{metrics.metric(rule.alt_metric).label} ≥ {metrics.show(rule.alt_metric, rule.alt_threshold)}"
        if alt is not None and alt >= rule.alt_threshold:
            return RuleResult(status=PASS, required=_required_text(rule.op, key, threshold or Decimal(0))
                              + alt_required, distance="", **base)
        if alt is None:
            missing += [f for f in metrics.missing_fields(rule.alt_metric, org) if f not in missing]
    required = (_required_text(rule.op, key, threshold) + tier_note) if threshold is not None else "—"
    if rule.alt_metric and rule.alt_threshold is not None:
        required += f"，{alt_required}"
    if value is None or threshold is None or missing:
        return RuleResult(status=UNKNOWN, required=required, missing=missing,
                          distance="缺少数据：" + "、".join(missing) + "（补充后才能判断，缺数据不算达标）", **base)
    return RuleResult(status=FAIL, required=required,
                      distance=distance_text(rule, org, as_of, value, threshold), **base)


def _up(amount: Decimal) -> Decimal:
    """Round a shortfall up: whole units when at least one, else two places."""
    if amount >= 1:
        return amount.to_integral_value(rounding=ROUND_CEILING)
    return amount.quantize(Decimal("0.01"), rounding=ROUND_CEILING)


def distance_text(rule: Rule, org: Organisation, as_of: date, value: Decimal, threshold: Decimal) -> str:
    """What it takes to pass a failed rule, in figures the enterprise can act on."""
    key, m = rule.metric, metrics.metric(rule.metric)
    head = f"{m.label} {metrics.show(key, value)}，需{'达到' if rule.op == 'min' else '不超过'} {metrics.show(key, threshold)}"
    if rule.op == "max":
        return f"{head}：超出 {metrics.show(key, value - threshold) if m.kind != RATIO else f'{(value - threshold) * 100:.1f} 个百分点'}"
    if m.kind == FLAG:
        return "近一年发生过重大安全、质量事故或严重环境违法行为，期满一年前不符合条件"
    if key == "rd_ratio_3y" and org.revenue_3y_wan is not None:
        more = Decimal(org.revenue_3y_wan) * threshold - Decimal(org.rd_spending_3y_wan or 0)
        return f"{head}：按当前销售收入，近三年研发费用约需再增加 {_up(more)} 万元"
    if key == "rd_intensity" and org.revenue_wan is not None:
        more = Decimal(org.revenue_wan) * threshold - Decimal(org.rd_spending_wan or 0)
        return f"{head}：按当前营业收入，研发投入约需再增加 {_up(more)} 万元"
    if key == "hitech_revenue_share" and org.revenue_wan is not None:
        more = Decimal(org.revenue_wan) * threshold - Decimal(org.hitech_revenue_wan or 0)
        return f"{head}：按当前总收入，高新技术产品（服务）收入约需再增加 {_up(more)} 万元"
    if key == "rd_domestic_share" and org.rd_spending_3y_wan is not None:
        more = Decimal(org.rd_spending_3y_wan) * threshold - Decimal(org.rd_domestic_3y_wan or 0)
        return f"{head}：研发费用总额不变时，境内研发费用约需再增加 {_up(more)} 万元"
    if key == "sci_tech_share" and org.employees is not None and threshold < 1:
        # New S&T staff also join the head count: (s + x) / (e + x) ≥ t.
        hires = (threshold * org.employees - (org.sci_tech_staff or 0)) / (1 - threshold)
        return f"{head}：约需新增科技人员 {_up(hires)} 人（新增人员同时计入职工总数）"
    if m.kind == YEARS and org.registered_on is not None:
        due = _add_years(org.registered_on, int(threshold))
        return f"{head}：于 {due.isoformat()} 满 {int(threshold)} 年（还需 {(due - as_of).days} 天）"
    if m.kind in (COUNT, MONEY):
        return f"{head}：还差 {metrics.show(key, threshold - value)}"
    return f"{head}：还差 {(threshold - value) * 100:.1f} 个百分点"


def _add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year without one
        return start.replace(year=start.year + years, day=28) + timedelta(days=1)


def evaluate(rule_set: RuleSet, rules: list[Rule], org: Organisation, *, as_of: date) -> Evaluation:
    """Every rule of ``rule_set`` for ``org``, in the set's order."""
    ordered = sorted(rules, key=lambda r: (r.position, r.id or 0))
    return Evaluation(rule_set, [evaluate_rule(r, org, as_of) for r in ordered])


def describe(rule: Rule) -> str:
    """A rule's requirement in words: "≥ 10.0%", tiers by revenue, or an alternative."""
    key = rule.metric
    sign = "≥" if rule.op == "min" else "≤"
    if metrics.metric(key).kind == FLAG:
        text = "须为“是”"
    elif rule.tier_metric and rule.tiers:
        parts = [(f"≤ {metrics.show(rule.tier_metric, Decimal(str(b)))}" if b is not None else "其余")
                 + f" {sign} {metrics.show(key, Decimal(str(t)))}" for b, t in rule.tiers]
        text = f"按{metrics.metric(rule.tier_metric).label}分档：" + "；".join(parts)
    else:
        text = f"{sign} {metrics.show(key, Decimal(rule.threshold)) if rule.threshold is not None else '—'}"
    if rule.alt_metric and rule.alt_threshold is not None:
        text += f"；或{metrics.metric(rule.alt_metric).label} ≥ {metrics.show(rule.alt_metric, Decimal(rule.alt_threshold))}"
    return text

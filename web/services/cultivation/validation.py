"""Checking rule sets and rules from a form or a file: impossible thresholds are refused.

Thresholds are entered in the unit shown (percent for ratios) and stored as fractions.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from models import Rule
from models.base import MONEY_MAX
from web.services.cultivation import metrics
from web.services.cultivation.metrics import COUNT, FLAG, MONEY, RATIO, YEARS
from web.services.errors import ValidationFailed

OPS = {"min": "不低于（≥）", "max": "不超过（≤）"}
YEAR_RANGE = (2000, 2100)
_LIMITS = {RATIO: Decimal(100), COUNT: Decimal(1_000_000), MONEY: MONEY_MAX, YEARS: Decimal(100)}


def _text(values: dict[str, Any], key: str) -> str:
    raw = values.get(key)
    return str(raw).strip() if raw is not None else ""


def rule_set_values(values: dict[str, Any], qualifications: tuple[str, ...]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    qualification = _text(values, "qualification")
    if qualification not in qualifications:
        errors["qualification"] = "请选择资质类型（" + "、".join(qualifications) + "）"
    year_raw = _text(values, "year")
    year = int(year_raw) if year_raw.isdigit() else None
    if year is None or not (YEAR_RANGE[0] <= year <= YEAR_RANGE[1]):
        errors["year"] = f"适用年度应为 {YEAR_RANGE[0]}—{YEAR_RANGE[1]} 之间的年份"
    name = _text(values, "name")
    if not name:
        errors["name"] = "请填写名称"
    elif len(name) > 100:
        errors["name"] = "名称不能超过100字"
    note = _text(values, "note")
    if len(note) > 500:
        errors["note"] = "依据说明不能超过500字"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return {"qualification": qualification, "year": year, "name": name, "note": note}


def parse_threshold(raw: str, key: str, *, label: str = "阈值") -> Decimal:
    """A threshold in the metric's display unit (percent for ratios) as stored (fractions)."""
    kind = metrics.metric(key).kind
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{label}应为数字") from None
    if not value.is_finite():
        raise ValueError(f"{label}应为数字")
    if value < 0:
        raise ValueError(f"{label}不能为负数")
    if value > _LIMITS[kind]:
        unit = "%" if kind == RATIO else metrics.UNITS[kind]
        raise ValueError(f"{label}不可能达到：不能超过 {_LIMITS[kind]}{unit}")
    if kind in (COUNT, YEARS) and value != value.to_integral():
        raise ValueError(f"{label}应为整数")
    if value.as_tuple().exponent < -4 + (2 if kind == RATIO else 0):  # type: ignore[operator]
        raise ValueError(f"{label}小数位数过多")
    return value / 100 if kind == RATIO else value


def rule_values(values: dict[str, Any], *, categories: dict[str, str]) -> dict[str, Any]:
    """Clean values for a Rule, or ValidationFailed naming each bad field."""
    errors: dict[str, str] = {}
    label = _text(values, "label")
    if not label:
        errors["label"] = "请填写条件说明"
    elif len(label) > 100:
        errors["label"] = "条件说明不能超过100字"
    key = _text(values, "metric")
    if key not in metrics.METRICS:
        errors["metric"] = "请选择要检查的指标"
    op = _text(values, "op") or "min"
    if op not in OPS:
        errors["op"] = "比较方式应为“不低于”或“不超过”"
    out: dict[str, Any] = {"label": label, "metric": key, "op": op, "threshold": None, "tier_metric": None,
                           "tiers": [], "alt_metric": None, "alt_threshold": None}
    if "metric" not in errors:
        if metrics.metric(key).kind == FLAG:
            if op != "min":
                errors["op"] = "是/否类条件只能要求“是”"
            out["threshold"] = Decimal(1)
        else:
            _thresholds(values, key, out, errors)
    alt = _text(values, "alt_metric")
    if alt:
        if alt not in metrics.METRICS or metrics.metric(alt).kind not in (COUNT, MONEY, YEARS, RATIO):
            errors["alt_metric"] = "请选择替代指标"
        elif op != "min":
            errors["alt_metric"] = "只有“不低于”的条件可以设替代指标"
        else:
            try:
                out["alt_metric"], out["alt_threshold"] = alt, parse_threshold(
                    _text(values, "alt_threshold"), alt, label="替代指标阈值")
            except ValueError as exc:
                errors["alt_threshold"] = str(exc)
    gap_text = _text(values, "gap_text")
    if len(gap_text) > 500:
        errors["gap_text"] = "匹配关键词不能超过500字"
    gap_category = _text(values, "gap_category") or None
    if gap_category and gap_category not in categories:
        errors["gap_category"] = "请选择平台服务类别中的一项"
    out.update(gap_text=gap_text, gap_category=gap_category)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return out


def _thresholds(values: dict[str, Any], key: str, out: dict[str, Any], errors: dict[str, str]) -> None:
    tier_metric = _text(values, "tier_metric")
    if not tier_metric:
        raw = _text(values, "threshold")
        if not raw:
            errors["threshold"] = "请填写阈值"
            return
        try:
            out["threshold"] = parse_threshold(raw, key)
        except ValueError as exc:
            errors["threshold"] = str(exc)
        return
    if tier_metric not in metrics.METRICS or metrics.metric(tier_metric).kind not in (MONEY, COUNT):
        errors["tier_metric"] = "分档依据应为金额或人数类指标"
        return
    bounds_raw = [b.strip() for b in _text(values, "tier_bounds").replace("，", ",").split(",") if b.strip()]
    values_raw = [v.strip() for v in _text(values, "tier_values").replace("，", ",").split(",") if v.strip()]
    if not bounds_raw or len(values_raw) != len(bounds_raw) + 1:
        errors["tier_values"] = "分档阈值的个数应比分档上限多一个（最后一档没有上限）"
        return
    try:
        bounds = [parse_threshold(b, tier_metric, label="分档上限") for b in bounds_raw]
        thresholds = [parse_threshold(v, key) for v in values_raw]
    except ValueError as exc:
        errors["tier_values"] = str(exc)
        return
    if any(b >= nxt for b, nxt in zip(bounds, bounds[1:], strict=False)):
        errors["tier_bounds"] = "分档上限应从小到大排列，且不能重复"
        return
    out["tier_metric"] = tier_metric
    out["tiers"] = [[str(b), str(t)] for b, t in zip([*bounds, None], thresholds, strict=True)]
    out["tiers"][-1][0] = None


def _bounds(rule: dict[str, Any] | Rule) -> tuple[str, str, Decimal | None, Decimal | None]:
    get = rule.get if isinstance(rule, dict) else lambda k: getattr(rule, k)
    tiers = get("tiers") or []
    if tiers:
        ts = [Decimal(str(t)) for _, t in tiers]
        return get("metric"), get("op"), min(ts), max(ts)
    t = get("threshold")
    t = Decimal(str(t)) if t is not None else None
    return get("metric"), get("op"), t, t


def check_consistent(new: dict[str, Any], others: list[Rule]) -> None:
    """Refuse a rule that no enterprise could meet together with another of the set."""
    metric, op, lo, hi = _bounds(new)
    if new.get("alt_metric"):
        return  # an alternative route keeps the rule reachable
    for other in others:
        o_metric, o_op, o_lo, o_hi = _bounds(other)
        if o_metric != metric or o_op == op or other.alt_metric:
            continue
        low = lo if op == "min" else o_lo
        high = o_hi if op == "min" else hi
        if low is not None and high is not None and low > high:
            raise ValidationFailed(
                f"该条件与已有条件「{other.label}」矛盾：{metrics.metric(metric).label}不可能同时"
                f"不低于 {metrics.show(metric, low)} 且不超过 {metrics.show(metric, high)}", field="threshold")


def form_value(key: str | None, value: Any) -> str:
    """A stored threshold as the form shows it (ratios back in percent)."""
    if value is None or key is None:
        return ""
    v = Decimal(str(value))
    v = v * 100 if metrics.metric(key).kind == RATIO else v
    return str(v.quantize(Decimal(1))) if v == v.to_integral() else str(v.normalize())


def rule_form_values(rule: Rule) -> dict[str, Any]:
    """A stored rule as the edit form starts."""
    tiers = rule.tiers or []
    return {"label": rule.label, "metric": rule.metric, "op": rule.op,
            "threshold": form_value(rule.metric, rule.threshold), "tier_metric": rule.tier_metric or "",
            "tier_bounds": ",".join(form_value(rule.tier_metric, b) for b, _ in tiers[:-1]),
            "tier_values": ",".join(form_value(rule.metric, t) for _, t in tiers),
            "alt_metric": rule.alt_metric or "", "alt_threshold": form_value(rule.alt_metric, rule.alt_threshold),
            "gap_text": rule.gap_text, "gap_category": rule.gap_category or ""}

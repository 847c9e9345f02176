"""The figures a qualification rule can check, read from the enterprise profile.

Each metric returns a Decimal, or None when the profile lacks a figure it needs; a rule
over a None is "unknown", never "pass". Ratios are fractions (0.05 = 5%); the pages show
and take them in percent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from models import Organisation

RATIO, COUNT, MONEY, YEARS, FLAG = "ratio", "count", "money", "years", "flag"
UNITS = {RATIO: "%", COUNT: "", MONEY: "万元", YEARS: "年", FLAG: ""}


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: str  # ratio | count | money | years | flag
    unit: str  # shown after the value: 人, 件, 万元, 年, %
    needs: tuple[str, ...]  # profile fields (their labels are in FIELD_LABELS)
    read: Callable[[Organisation, date], Decimal | None]


# Profile fields the rules read, with the labels used on forms and in "missing" messages.
FIELD_LABELS: dict[str, str] = {
    "registered_on": "注册成立日期",
    "employees": "职工总数",
    "sci_tech_staff": "科技人员数",
    "revenue_wan": "上年营业收入",
    "rd_spending_wan": "上年研发投入",
    "revenue_3y_wan": "近三年销售收入总额",
    "rd_spending_3y_wan": "近三年研发费用总额",
    "rd_domestic_3y_wan": "近三年境内研发费用",
    "hitech_revenue_wan": "上年高新技术产品（服务）收入",
    "invention_patents": "有效发明专利",
    "utility_patents": "实用新型专利",
    "design_patents": "外观设计专利",
    "software_copyrights": "软件著作权",
    "total_patents": "专利总数",
    "major_incident": "近一年重大安全、质量事故或严重环境违法行为",
}


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _ratio(num: object, den: object) -> Decimal | None:
    n, d = _dec(num), _dec(den)
    if n is None or d is None or d == 0:
        return None
    return n / d


def full_years(start: date, as_of: date) -> int:
    """Whole years from ``start`` to ``as_of`` (a birthday-style count; 29 Feb counts from 1 Mar)."""
    years = as_of.year - start.year
    if (as_of.month, as_of.day) < (start.month, start.day):
        years -= 1
    return years


def _years_registered(o: Organisation, as_of: date) -> Decimal | None:
    return None if o.registered_on is None else Decimal(full_years(o.registered_on, as_of))


def _other_ip(o: Organisation, as_of: date) -> Decimal | None:
    parts = (o.utility_patents, o.design_patents, o.software_copyrights)
    if all(p is None for p in parts):
        return None
    return Decimal(sum(p or 0 for p in parts))


def _no_incident(o: Organisation, as_of: date) -> Decimal | None:
    return None if o.major_incident is None else Decimal(0 if o.major_incident else 1)


_METRICS = (
    Metric("years_registered", "注册成立年限", YEARS, "年", ("registered_on",), _years_registered),
    Metric("employees", "职工总数", COUNT, "人", ("employees",), lambda o, d: _dec(o.employees)),
    Metric("sci_tech_staff", "科技人员数", COUNT, "人", ("sci_tech_staff",), lambda o, d: _dec(o.sci_tech_staff)),
    Metric("sci_tech_share", "科技人员占职工总数比例", RATIO, "%", ("sci_tech_staff", "employees"),
           lambda o, d: _ratio(o.sci_tech_staff, o.employees)),
    Metric("revenue_wan", "上年营业收入", MONEY, "万元", ("revenue_wan",), lambda o, d: _dec(o.revenue_wan)),
    Metric("rd_spending_wan", "上年研发投入", MONEY, "万元", ("rd_spending_wan",),
           lambda o, d: _dec(o.rd_spending_wan)),
    Metric("rd_intensity", "上年研发投入强度", RATIO, "%", ("rd_spending_wan", "revenue_wan"),
           lambda o, d: _ratio(o.rd_spending_wan, o.revenue_wan)),
    Metric("rd_ratio_3y", "近三年研发费用占同期销售收入比例", RATIO, "%", ("rd_spending_3y_wan", "revenue_3y_wan"),
           lambda o, d: _ratio(o.rd_spending_3y_wan, o.revenue_3y_wan)),
    Metric("rd_domestic_share", "境内研发费用占研发费用总额比例", RATIO, "%",
           ("rd_domestic_3y_wan", "rd_spending_3y_wan"),
           lambda o, d: _ratio(o.rd_domestic_3y_wan, o.rd_spending_3y_wan)),
    Metric("hitech_revenue_share", "高新技术产品（服务）收入占上年总收入比例", RATIO, "%",
           ("hitech_revenue_wan", "revenue_wan"), lambda o, d: _ratio(o.hitech_revenue_wan, o.revenue_wan)),
    Metric("invention_patents", "有效发明专利", COUNT, "件", ("invention_patents",),
           lambda o, d: _dec(o.invention_patents)),
    Metric("other_ip", "实用新型、外观设计专利与软件著作权合计", COUNT, "件",
           ("utility_patents", "design_patents", "software_copyrights"), _other_ip),
    Metric("total_patents", "专利总数", COUNT, "件", ("total_patents",), lambda o, d: _dec(o.total_patents)),
    Metric("no_major_incident", "近一年未发生重大安全、质量事故或严重环境违法行为", FLAG, "",
           ("major_incident",), _no_incident),
)
METRICS: dict[str, Metric] = {m.key: m for m in _METRICS}


def metric(key: str) -> Metric:
    return METRICS[key]


def read(key: str, org: Organisation, as_of: date) -> Decimal | None:
    """The value of metric ``key`` for ``org`` on ``as_of``, or None when unknown."""
    return METRICS[key].read(org, as_of)


def missing_fields(key: str, org: Organisation) -> list[str]:
    """Labels of the profile fields metric ``key`` needs that ``org`` has not given."""
    return [FIELD_LABELS[f] for f in METRICS[key].needs if getattr(org, f) is None]


def show(key: str, value: Decimal | None) -> str:
    """A value as a page shows it: 3.1%, 12 人, 5000 万元, 是/否."""
    if value is None:
        return "缺数据"
    m = METRICS[key]
    if m.kind == RATIO:
        return f"{value * 100:.1f}%"
    if m.kind == FLAG:
        return "是" if value >= 1 else "否"
    if m.kind == MONEY:
        return f"{_plain(value)} 万元"
    return f"{_plain(value)} {m.unit}".strip()


def _plain(value: Decimal) -> str:
    q = value.quantize(Decimal("0.01"))
    return str(q.quantize(Decimal(1))) if q == q.to_integral() else str(q.normalize())

"""Figures as people read them: one rounding rule for shares and one formatter per unit, used by
every page, chart, export and message, so one number never reads two ways."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

Number = Decimal | int | float

PERCENT_STEP = Decimal("0.1")
WAN_PER_YI = Decimal(10000)
CENT = Decimal("0.01")


def percent_of(part: Number, whole: Number) -> Decimal | None:
    """part ÷ whole × 100, to one decimal, rounded down: a share never reads more than it is
    (99.96% of a target is 99.9%, not a 100.0% that is still short). None when whole is 0."""
    whole_d = Decimal(str(whole))
    if whole_d <= 0:
        return None
    return (Decimal(str(part)) * 100 / whole_d).quantize(PERCENT_STEP, rounding=ROUND_DOWN)


def plain(value: Number) -> str:
    """A number as written: no trailing zeros, no exponent (1.2000 -> 1.2, 1E+3 -> 1000)."""
    d = Decimal(str(value))
    if d == d.to_integral():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def pct(value: Number | None) -> str:
    """A share already rounded by percent_of: "94.7%"; "—" when there is none."""
    return "—" if value is None else f"{plain(value)}%"


def money_wan(amount_wan: Number) -> str:
    """万元 with two decimals: "131.64万元"."""
    return f"{Decimal(str(amount_wan)).quantize(CENT):,}万元"


def money_yi(amount_yi: Number) -> str:
    """亿元 as written, or 万元 below one 亿元 (0.013164亿元 reads 131.64万元)."""
    d = Decimal(str(amount_yi))
    if d < 1:
        return money_wan(d * WAN_PER_YI)
    return f"{plain(d)}亿元"


def figure(value: Number | None, unit: str) -> str:
    """An indicator's figure with its unit: "1.25%", "125家", "1110件", "18.5亿元", "131.64万元"."""
    if value is None:
        return "—"
    if unit == "亿元":
        return money_yi(value)
    return f"{plain(value)}{unit}"


TEMPLATE_GLOBALS = {"figure": figure, "pct": pct, "money_wan": money_wan, "plain": plain}

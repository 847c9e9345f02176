"""The posting form: what a need or an offer must hold before it is stored."""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from typing import Any

from models.posting import DESCRIPTION_MAX, TITLE_MAX
from web.presentation.times import default_today
from web.services.errors import ValidationFailed
from web.services.organisations.records import parse_money
from web.services.postings.side import Side

INDUSTRY_MAX = 32


def validate(side: Side, values: dict[str, Any], *, categories: Container[str],
             today: date | None = None) -> dict[str, Any]:
    """Check a posting form; returns clean values or raises ValidationFailed(errors=...)."""
    errors: dict[str, str] = {}
    title = str(values.get("title") or "").strip()
    description = str(values.get("description") or "").strip()
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过{TITLE_MAX}个字"
    if not description:
        errors["description"] = f"请填写{side.label}描述"
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = f"描述不能超过{DESCRIPTION_MAX}个字"
    category = str(values.get("category") or "").strip()
    if category not in categories:  # the active 字典管理 categories (plus, on edit, the posting's own)
        errors["category"] = "请选择平台服务类别中的一项" if category else "请选择服务类别"
    industry = str(values.get("industry") or "").strip() or None
    if industry and len(industry) > INDUSTRY_MAX:
        errors["industry"] = f"产业方向不能超过{INDUSTRY_MAX}个字"
    money = parse_money(errors, values, side.money_field, side.money_label)
    deadline = None
    raw = values.get("deadline")
    if isinstance(raw, date):
        deadline = raw
    elif raw is not None and str(raw).strip():
        try:
            deadline = date.fromisoformat(str(raw).strip())
        except ValueError:
            errors["deadline"] = "截止日期格式应为 YYYY-MM-DD"
    if deadline is not None and deadline < (today or default_today()):
        errors["deadline"] = "截止日期不能早于今天"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return {"title": title, "description": description, "category": category,
            "industry": industry, side.money_field: money, "deadline": deadline}

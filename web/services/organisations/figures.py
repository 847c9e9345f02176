"""The figures the qualification rules read (注册日期、科技人员、研发费用、高新收入、知识产权、事故),
kept by the enterprise on its profile and by staff on the portrait. Money in 万元, never floats;
a blank field stays unknown (None), which a rule never counts as passed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from models import Organisation
from models.base import MONEY_MAX
from web.presentation.times import default_today
from web.services import audit
from web.services.errors import NotFound, ValidationFailed

# Form fields in display order: (name, label, kind).
RULE_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("registered_on", "注册成立日期", "date"),
    ("sci_tech_staff", "科技人员数（人）", "int"),
    ("revenue_3y_wan", "近三年销售收入总额（万元）", "money"),
    ("rd_spending_3y_wan", "近三年研发费用总额（万元）", "money"),
    ("rd_domestic_3y_wan", "其中境内研发费用（万元）", "money"),
    ("hitech_revenue_wan", "上年高新技术产品（服务）收入（万元）", "money"),
    ("utility_patents", "实用新型专利（件）", "int"),
    ("design_patents", "外观设计专利（件）", "int"),
    ("software_copyrights", "软件著作权（件）", "int"),
    ("major_incident", "近一年重大安全、质量事故或严重环境违法行为", "flag"),
)
# The older profile fields staff may also correct on the portrait.
BASIC_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("employees", "职工总数（人）", "int"),
    ("revenue_wan", "上年营业收入（万元）", "money"),
    ("rd_spending_wan", "上年研发投入（万元）", "money"),
    ("invention_patents", "有效发明专利（件）", "int0"),
    ("total_patents", "专利总数（件）", "int0"),
)
def parse_money(errors: dict[str, str], values: dict[str, Any], key: str, label: str) -> Decimal | None:
    """万元 amount: a non-negative decimal with at most two places, never a float."""
    raw = values.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        errors[key] = f"{label}应为数字（单位：万元）"
        return None
    if not amount.is_finite():
        errors[key] = f"{label}应为数字（单位：万元）"
    elif amount < 0:
        errors[key] = f"{label}不能小于0"
    elif amount > MONEY_MAX:
        errors[key] = f"{label}过大"
    elif amount != amount.quantize(Decimal("0.01")):
        errors[key] = f"{label}最多保留两位小数"
    else:
        return amount.quantize(Decimal("0.01"))
    return None



FLAG_CHOICES = (("", "未填写"), ("0", "无"), ("1", "有"))
INT_MAX = 10_000_000


def _int(errors: dict[str, str], raw: Any, key: str, label: str) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    if not text:
        return None
    if not text.isdigit():
        errors[key] = f"{label}应为不小于0的整数"
        return None
    n = int(text)
    if n > INT_MAX:
        errors[key] = f"{label}过大"
        return None
    return n


def parse_figures(errors: dict[str, str], values: dict[str, Any], fields: tuple[tuple[str, str, str], ...],
                  *, today: date | None = None) -> dict[str, Any]:
    """Clean values for ``fields``; bad ones go into ``errors`` by field name."""
    today = today or default_today()
    out: dict[str, Any] = {}
    for key, label, kind in fields:
        raw = values.get(key)
        if kind == "money":
            out[key] = parse_money(errors, values, key, label.split("（")[0])
        elif kind in ("int", "int0"):
            n = _int(errors, raw, key, label.split("（")[0])
            out[key] = (n or 0) if kind == "int0" else n
        elif kind == "date":
            text = str(raw).strip() if raw is not None else ""
            out[key] = None
            if text:
                try:
                    out[key] = date.fromisoformat(text)
                except ValueError:
                    errors[key] = f"{label}格式应为 YYYY-MM-DD"
                else:
                    if out[key] > today:
                        errors[key] = f"{label}不能晚于今天"
                    elif out[key].year < 1949:
                        errors[key] = f"{label}不能早于1949年"
        else:  # flag: "" unknown, "0" none, "1" some
            text = str(raw).strip() if raw is not None else ""
            if text not in ("", "0", "1"):
                errors[key] = f"请选择{label}：有、无或未填写"
            out[key] = None if text == "" else text == "1"
    return out


def check_together(errors: dict[str, str], merged: dict[str, Any]) -> None:
    """Figures that contradict each other (a part larger than its whole)."""
    pairs = (("sci_tech_staff", "employees", "科技人员数不能大于职工总数"),
             ("rd_domestic_3y_wan", "rd_spending_3y_wan", "境内研发费用不能大于研发费用总额"),
             ("hitech_revenue_wan", "revenue_wan", "高新技术产品（服务）收入不能大于上年营业收入"),
             ("invention_patents", "total_patents", "有效发明专利数不能大于专利总数"))
    for part, whole, message in pairs:
        p, w = merged.get(part), merged.get(whole)
        if p is not None and w is not None and part not in errors and whole not in errors and p > w:
            errors[part] = message


def update_figures(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any],
                   today: date | None = None) -> Organisation:
    """Staff: correct an enterprise's rule figures on its portrait. Commits."""
    org = session.get(Organisation, org_id)
    if org is None or org.kind != "enterprise":
        raise NotFound("未找到该企业")
    errors: dict[str, str] = {}
    changes = parse_figures(errors, values, BASIC_FIGURES + RULE_FIGURES, today=today)
    return save_changes(session, org, changes, errors, actor_id=actor_id, action="organisation.figures")


def save_changes(session: Session, org: Organisation, changes: dict[str, Any], errors: dict[str, str], *,
                 actor_id: int, action: str) -> Organisation:
    """Check the parsed figures against each other, then store them with an audit entry naming
    the fields; any error (``errors`` from parsing included) stores nothing. Commits."""
    check_together(errors, changes)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    for key, value in changes.items():
        setattr(org, key, value)
    org.updated_at = datetime.now(UTC)
    session.add(org)
    audit.record(session, actor_id=actor_id, action=action, object_type="organisation",
                 object_id=org.id, detail={"fields": sorted(changes)})
    session.commit()
    session.refresh(org)
    return org

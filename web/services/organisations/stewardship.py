"""What only staff change in a portrait: name, credit code, credit standing with its source and
date, and related parties (关联方). Every change is audited with the old and the new value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from models import Organisation, RelatedParty
from models.credit_code import InvalidCreditCode, normalise_credit_code
from models.organisation import CREDIT_LABELS
from web.presentation.times import default_today
from web.services import audit
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.organisations.records import get_organisation

EARLIEST_CREDIT_DATE = date(2000, 1, 1)
FIELD_LABELS = {"name": "机构名称", "credit_code": "统一社会信用代码", "credit_standing": "信用状况",
           "credit_source": "信用信息来源", "credit_date": "信用信息日期"}


def _clean(values: dict[str, Any], key: str) -> str:
    raw = values.get(key)
    return str(raw).strip() if raw is not None else ""


def _check_identity(session: Session, org: Organisation, values: dict[str, Any],
                    today: date) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    name = _clean(values, "name")
    if not name:
        errors["name"] = "请填写机构名称"
    elif not 2 <= len(name) <= 100:
        errors["name"] = "机构名称应为2—100个字"
    elif session.exec(select(Organisation.id).where(Organisation.name == name, Organisation.id != org.id)).first():
        errors["name"] = "已有同名机构，请核对"
    code = ""
    try:
        code = normalise_credit_code(_clean(values, "credit_code"))
    except InvalidCreditCode as exc:
        errors["credit_code"] = str(exc)
    else:
        if session.exec(select(Organisation.id).where(Organisation.credit_code == code,
                                                      Organisation.id != org.id)).first():
            errors["credit_code"] = "该统一社会信用代码已属于另一机构，请核对"
    standing = _clean(values, "credit_standing") or None
    source = _clean(values, "credit_source") or None
    raw_date = _clean(values, "credit_date")
    when: date | None = None
    if standing is not None and standing not in CREDIT_LABELS:
        errors["credit_standing"] = "请选择信用状况：" + "、".join(CREDIT_LABELS.values())
    if raw_date:
        try:
            when = date.fromisoformat(raw_date)
        except ValueError:
            errors["credit_date"] = "日期格式应为 YYYY-MM-DD"
        else:
            if when > today:
                errors["credit_date"] = "信用信息日期不能晚于今天"
            elif when < EARLIEST_CREDIT_DATE:
                errors["credit_date"] = "信用信息日期过早，请核对"
    if standing is not None:
        if not source:
            errors["credit_source"] = "请填写信用信息来源（如：信用中国、国家企业信用信息公示系统）"
        if not raw_date:
            errors["credit_date"] = "请填写信用信息的查询或发布日期"
    if source and len(source) > 100:
        errors["credit_source"] = "信用信息来源不能超过100字"
    return {"name": name, "credit_code": code, "credit_standing": standing,
            "credit_source": source if standing else None, "credit_date": when if standing else None}, errors


def edit_identity(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any],
                  today: date | None = None) -> Organisation:
    """Change name, credit code and credit standing (staff); audited field by field. Commits."""
    org = get_organisation(session, org_id)
    changes, errors = _check_identity(session, org, values, today or default_today())
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    diff = {k: [_shown(getattr(org, k)), _shown(v)] for k, v in changes.items() if getattr(org, k) != v}
    if not diff:
        raise ValidationFailed("没有修改任何内容", field="name")
    for key, value in changes.items():
        setattr(org, key, value)
    org.updated_at = datetime.now(UTC)
    session.add(org)
    try:
        session.flush()
    except IntegrityError as exc:  # another staff member took the name or code meanwhile
        session.rollback()
        raise Conflict("名称或信用代码刚被另一机构使用，请刷新后重试") from exc
    audit.record(session, actor_id=actor_id, action="organisation.staff_edit", object_type="organisation",
                 object_id=org.id, detail={"changes": diff})
    session.commit()
    return org


def _shown(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def add_related_party(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any]) -> RelatedParty:
    """Record a related party, found by its credit code or exact name (staff). Commits."""
    org = get_organisation(session, org_id)
    errors: dict[str, str] = {}
    who = _clean(values, "related")
    relation = _clean(values, "relation")
    other = None
    if not who:
        errors["related"] = "请填写关联方的统一社会信用代码或机构全称"
    else:
        try:
            code = normalise_credit_code(who)
        except InvalidCreditCode:
            code = None
        other = session.exec(select(Organisation).where(
            or_(col(Organisation.name) == who, col(Organisation.credit_code) == (code or who)))).first()
        if other is None:
            errors["related"] = f"平台中没有“{who[:30]}”，请核对名称或信用代码"
        elif other.id == org.id:
            errors["related"] = "不能把机构自身登记为关联方"
        elif session.exec(select(RelatedParty.id).where(
                or_((col(RelatedParty.org_id) == org.id) & (col(RelatedParty.related_org_id) == other.id),
                    (col(RelatedParty.org_id) == other.id) & (col(RelatedParty.related_org_id) == org.id)))).first():
            errors["related"] = "已登记该关联方"
    if not relation:
        errors["relation"] = "请填写关联关系（如：控股股东、同一实际控制人）"
    elif len(relation) > 50:
        errors["relation"] = "关联关系不能超过50字"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    assert other is not None
    row = RelatedParty(org_id=org.id or 0, related_org_id=other.id or 0, relation=relation)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action="related_party.add", object_type="organisation",
                 object_id=org.id, detail={"related": other.name, "relation": relation})
    session.commit()
    return row


def remove_related_party(session: Session, *, org_id: int, actor_id: int, related_id: int) -> None:
    """Remove a related party recorded on either organisation (staff). Commits."""
    row = session.get(RelatedParty, related_id)
    if row is None or org_id not in (row.org_id, row.related_org_id):
        raise NotFound("未找到该关联方记录")
    other = session.get(Organisation, row.related_org_id if row.org_id == org_id else row.org_id)
    session.delete(row)
    audit.record(session, actor_id=actor_id, action="related_party.remove", object_type="organisation",
                 object_id=org_id, detail={"related": other.name if other else "", "relation": row.relation})
    session.commit()


"""Organisations: self-registration of enterprises and providers, profiles, qualifications."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from models import Organisation, Qualification, User
from models.credit_code import InvalidCreditCode, normalise_credit_code
from models.organisation import ORG_KIND_LABELS
from web.presentation.times import default_today
from web.security.passwords import check_password
from web.services import audit, dictionaries
from web.services.accounts import auth
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.organisations.figures import (
    RULE_FIGURES,
    parse_figures,
    parse_money,
    save_changes,
)

_PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def role_for_kind(kind: str) -> str:
    return "enterprise" if kind == "enterprise" else "provider"


def _text(errors: dict[str, str], values: dict[str, Any], key: str, label: str, *,
          required: bool = False, max_len: int = 100) -> str | None:
    raw = values.get(key)
    value = str(raw).strip() if raw is not None else ""
    if not value:
        if required:
            errors[key] = f"请填写{label}"
        return None
    if len(value) > max_len:
        errors[key] = f"{label}不能超过{max_len}个字"
    return value


def _int(errors: dict[str, str], values: dict[str, Any], key: str, label: str) -> int | None:
    raw = values.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        n = int(str(raw).strip())
    except ValueError:
        errors[key] = f"{label}应为整数"
        return None
    if n < 0 or n > 10_000_000:
        errors[key] = f"{label}应在0到10000000之间"
        return None
    return n


def _contacts(errors: dict[str, str], values: dict[str, Any], *, required: bool) -> dict[str, Any]:
    out = {
        "contact_name": _text(errors, values, "contact_name", "联系人", required=required, max_len=50),
        "contact_phone": _text(errors, values, "contact_phone", "联系电话", required=required, max_len=30),
        "contact_email": _text(errors, values, "contact_email", "电子邮箱", max_len=100),
    }
    if out["contact_phone"] and "contact_phone" not in errors and not _PHONE.match(out["contact_phone"]):
        errors["contact_phone"] = "联系电话格式不正确"
    if out["contact_email"] and "contact_email" not in errors and not _EMAIL.match(out["contact_email"]):
        errors["contact_email"] = "电子邮箱格式不正确"
    return out


@dataclass(frozen=True)
class Registration:
    org: Organisation
    user: User


def register_organisation(session: Session, **values: Any) -> Registration:
    """Register an enterprise or provider with its first user (self-registration). Commits.

    Staff, official and admin accounts are never created here.
    """
    errors: dict[str, str] = {}
    name = _text(errors, values, "name", "机构名称", required=True, max_len=100)
    if name and len(name) < 2:
        errors["name"] = "机构名称至少2个字"
    elif name and any(unicodedata.category(ch) == "Cf" for ch in name):
        # Zero-width and direction marks let a look-alike register beside the real company.
        errors["name"] = "机构名称含有不可见字符（如零宽空格、方向控制符），请删除后重试"
    kind = str(values.get("kind") or "").strip()
    if kind not in ORG_KIND_LABELS:
        errors["kind"] = "请选择机构类型"
    code = None
    try:
        code = normalise_credit_code(str(values.get("credit_code") or ""))
    except InvalidCreditCode as exc:
        errors["credit_code"] = str(exc)
    contacts = _contacts(errors, values, required=True)
    username = str(values.get("username") or "").strip()
    password = str(values.get("password") or "")
    if not (3 <= len(username) <= 50) or not username.replace("-", "").replace("_", "").isalnum() \
            or not username.isascii():
        errors["username"] = "用户名为3–50位字母、数字、下划线或连字符"
    try:
        check_password(password, username=username)
    except ValidationFailed as exc:
        errors["password"] = exc.message
    if values.get("password_confirm") is not None and values.get("password_confirm") != password:
        errors.setdefault("password_confirm", "两次输入的密码不一致")
    if name and "name" not in errors and _name_taken(session, name):
        errors["name"] = "该机构名称已注册，请直接登录或联系管理员"
    if code and session.exec(select(Organisation.id).where(Organisation.credit_code == code)).first():
        errors["credit_code"] = "该统一社会信用代码已注册，请直接登录或联系管理员"
    if "username" not in errors and session.exec(
            select(User.id).where(func.lower(User.username) == username.lower())).first():
        errors["username"] = "该用户名已被使用"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    org = Organisation(name=name or "", kind=kind, credit_code=code or "", **contacts,
                       region=_text(errors, values, "region", "所在区", max_len=32) or "河北区")
    session.add(org)
    try:
        session.flush()
        user = auth.create_user(session, username=username, password=password,
                                role=role_for_kind(kind), org_id=org.id, is_org_admin=True,
                                display_name=contacts["contact_name"] or username)
    except IntegrityError as exc:  # a concurrent registration took the name or code
        session.rollback()
        raise Conflict("该机构或用户名已被注册，请刷新后重试") from exc
    audit.record(session, actor_id=user.id, action="organisation.register", object_type="organisation",
                 object_id=org.id, detail={"kind": kind})
    session.commit()
    return Registration(org=org, user=user)


def get_organisation(session: Session, org_id: int | None) -> Organisation:
    org = session.get(Organisation, org_id) if org_id is not None else None
    if org is None:
        raise NotFound("未找到该机构")
    return org


def _name_key(name: str) -> str:
    """Names that read the same compare equal: full/half-width forms (（ and (), case, spaces."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _name_taken(session: Session, name: str) -> bool:
    if session.exec(select(Organisation.id).where(Organisation.name == name)).first():
        return True
    # Registration is rare, and a district holds thousands of names: comparing keys in Python
    # keeps the stored names exactly as the companies write them.
    key = _name_key(name)
    return any(_name_key(other) == key for other in session.exec(select(Organisation.name)))


PROFILE_FIELDS = ("description", "industry", "street", "employees", "revenue_wan", "rd_spending_wan",
                  "invention_patents", "total_patents", "contact_name", "contact_phone", "contact_email",
                  "share_contacts")


def patch_profile(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any],
                  today: date | None = None) -> Organisation:
    """Change only the profile fields named in ``values``; the rest keep what is stored. Commits."""
    org = get_organisation(session, org_id)
    stored: dict[str, Any] = {name: getattr(org, name) for name in PROFILE_FIELDS}
    stored["share_contacts"] = "1" if org.share_contacts else ""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed("不接受该字段", errors=dict.fromkeys(sorted(unknown), "不接受该字段"))
    return update_profile(session, org_id=org_id, actor_id=actor_id, values={**stored, **values}, today=today)


def update_profile(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any],
                   today: date | None = None) -> Organisation:
    """Change an organisation's own profile (name and credit code stay fixed). Commits."""
    org = get_organisation(session, org_id)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {
        "description": _text(errors, values, "description", "机构简介", max_len=2000) or "",
        "industry": _text(errors, values, "industry", "所属行业", max_len=32),
        "street": _text(errors, values, "street", "所在街道", max_len=32),
        "employees": _int(errors, values, "employees", "职工人数"),
        "revenue_wan": parse_money(errors, values, "revenue_wan", "营业收入"),
        "rd_spending_wan": parse_money(errors, values, "rd_spending_wan", "研发投入"),
        "invention_patents": _int(errors, values, "invention_patents", "有效发明专利") or 0,
        "total_patents": _int(errors, values, "total_patents", "专利总数") or 0,
        "share_contacts": str(values.get("share_contacts", "")).lower() in ("1", "true", "on", "yes"),
        **_contacts(errors, values, required=True),
    }
    if org.kind == "enterprise":
        # Only the figures sent: a client that does not know them (the JSON API) keeps them.
        changes.update(parse_figures(errors, values, tuple(f for f in RULE_FIGURES if f[0] in values), today=today))
    return save_changes(session, org, changes, errors, actor_id=actor_id, action="organisation.update")


def list_qualifications(session: Session, *, org_id: int) -> list[Qualification]:
    stmt = select(Qualification).where(Qualification.org_id == org_id).order_by(
        col(Qualification.year_granted).desc(), col(Qualification.id))
    return list(session.exec(stmt).all())


def add_qualification(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any],
                      today: date | None = None) -> Qualification:
    """Record a qualification (资质) the enterprise holds. Commits."""
    this_year = (today or default_today()).year
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "").strip()
    if kind not in dict(dictionaries.options(session, "qualification")):  # active 字典管理 values
        errors["kind"] = "请选择资质类型"
    year = _int(errors, values, "year_granted", "认定年份")
    if year is None and "year_granted" not in errors:
        errors["year_granted"] = "请填写认定年份"
    elif year is not None and not (1990 <= year <= this_year):
        errors["year_granted"] = f"认定年份应在1990到{this_year}之间"
    cert = _text(errors, values, "certificate_no", "证书编号", max_len=64)
    if not errors and session.exec(select(Qualification.id).where(
            Qualification.org_id == org_id, Qualification.kind == kind,
            Qualification.year_granted == year)).first():
        errors["kind"] = "该资质已登记"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    q = Qualification(org_id=org_id, kind=kind, year_granted=year or 0, certificate_no=cert)
    session.add(q)
    session.flush()
    audit.record(session, actor_id=actor_id, action="qualification.add", object_type="qualification",
                 object_id=q.id, detail={"kind": kind, "year": year})
    session.commit()
    return q


def remove_qualification(session: Session, *, org_id: int, actor_id: int, qualification_id: int) -> None:
    """Delete one of the organisation's qualifications; another's is NotFound. Commits."""
    q = session.get(Qualification, qualification_id)
    if q is None or q.org_id != org_id:
        raise NotFound("未找到该资质")
    session.delete(q)
    audit.record(session, actor_id=actor_id, action="qualification.remove", object_type="qualification",
                 object_id=qualification_id, detail={"kind": q.kind})
    session.commit()

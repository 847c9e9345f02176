"""Organisations: self-registration, the profile, qualifications."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from models import AuditLog, Organisation, Qualification, User
from models.credit_code import make_credit_code
from tests.factories import make_org, make_user
from web.services.errors import NotFound, ValidationFailed
from web.services.organisations import records


def _registration(**overrides: str) -> dict[str, str]:
    values = {"name": "河北区新材料有限公司", "kind": "enterprise", "credit_code": make_credit_code("120105", 424242),
              "contact_name": "李经理", "contact_phone": "022-26001234", "contact_email": "li@example.com",
              "username": "xincailiao", "password": "Hebei-Qx7-2022z", "password_confirm": "Hebei-Qx7-2022z"}
    values.update(overrides)
    return values


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_register_makes_the_organisation_and_its_first_user(session: Session) -> None:
    reg = records.register_organisation(session, **_registration(kind="university", username="daxue"))
    assert reg.org.kind == "university" and reg.user.role == "provider" and reg.user.org_id == reg.org.id
    assert reg.user.display_name == "李经理"
    assert session.exec(select(AuditLog.action)).all() == ["organisation.register"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"credit_code": "91120105MA05X0000X"}, "credit_code"),
    ({"kind": "staff"}, "kind"),
    ({"username": "张三"}, "username"),
    ({"password": "12345678", "password_confirm": "12345678"}, "password"),
    ({"password_confirm": "Other-2022"}, "password_confirm"),
    ({"name": "甲"}, "name"),
])
def test_bad_registration_names_the_field_and_changes_nothing(session: Session, overrides: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        records.register_organisation(session, **_registration(**overrides))
    assert field in err.value.errors
    assert _count(session, Organisation) == 0 and _count(session, User) == 0


def test_a_name_or_credit_code_registers_once(session: Session) -> None:
    records.register_organisation(session, **_registration())
    with pytest.raises(ValidationFailed) as err:
        records.register_organisation(session, **_registration(username="another"))
    assert set(err.value.errors) >= {"name", "credit_code"}
    assert _count(session, Organisation) == 1


def test_update_profile_checks_figures_and_keeps_name(session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org=org)
    values = {"contact_name": "王经理", "contact_phone": "022-26000001", "contact_email": "w@example.com",
              "employees": "120", "revenue_wan": "3500.5", "invention_patents": "3", "total_patents": "9",
              "share_contacts": "on", "name": "改不了的名字"}
    updated = records.update_profile(session, org_id=org.id, actor_id=user.id, values=values)
    assert updated.employees == 120 and str(updated.revenue_wan) == "3500.50" and updated.share_contacts
    assert updated.name == org.name
    with pytest.raises(ValidationFailed) as err:
        records.update_profile(session, org_id=org.id, actor_id=user.id,
                               values={**values, "invention_patents": "10", "employees": "80"})
    assert "invention_patents" in err.value.errors
    session.expire_all()
    assert session.get(Organisation, org.id).employees == 120  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        records.get_organisation(session, None)


def test_qualifications_are_added_once_and_removed_only_by_their_owner(session: Session) -> None:
    org, other = make_org(session), make_org(session)
    user = make_user(session, org=org)
    q = records.add_qualification(session, org_id=org.id, actor_id=user.id,
                                  values={"kind": "高新技术企业", "year_granted": "2021"})
    with pytest.raises(ValidationFailed, match="该资质已登记"):
        records.add_qualification(session, org_id=org.id, actor_id=user.id,
                                  values={"kind": "高新技术企业", "year_granted": "2021"})
    with pytest.raises(ValidationFailed, match="认定年份应在1990"):
        records.add_qualification(session, org_id=org.id, actor_id=user.id,
                                  values={"kind": "瞪羚", "year_granted": "1980"})
    with pytest.raises(NotFound):
        records.remove_qualification(session, org_id=other.id, actor_id=user.id, qualification_id=q.id)
    assert [x.id for x in records.list_qualifications(session, org_id=org.id)] == [q.id]
    records.remove_qualification(session, org_id=org.id, actor_id=user.id, qualification_id=q.id)
    assert _count(session, Qualification) == 0

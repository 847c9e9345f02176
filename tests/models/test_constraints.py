"""Unique constraints, foreign keys and field rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from models import (
    Contract,
    Indicator,
    IndicatorActual,
    IndicatorTarget,
    Match,
    Need,
    Organisation,
    Qualification,
    User,
)
from models.credit_code import make_credit_code
from tests.factories import make_need, make_offer, make_org, make_user


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _fails(session: Session, row: object) -> None:
    session.add(row)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_credit_code_is_unique(session: Session) -> None:
    org = make_org(session)
    _fails(session, Organisation(name="另一家公司", kind="enterprise", credit_code=org.credit_code))
    assert _count(session, Organisation) == 1


def test_organisation_name_is_unique(session: Session) -> None:
    org = make_org(session)
    _fails(session, Organisation(name=org.name, kind="enterprise",
                                 credit_code=make_credit_code("120105", 77)))


def test_username_is_unique(session: Session) -> None:
    user = make_user(session)
    _fails(session, User(username=user.username, password_hash="x", role="staff"))


def test_one_match_per_need_offer_pair(session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    need, offer = make_need(session, org=ent), make_offer(session, org=prov)
    session.add(Match(need_id=need.id, offer_id=offer.id, score=0.5))
    session.commit()
    _fails(session, Match(need_id=need.id, offer_id=offer.id, score=0.7))
    assert _count(session, Match) == 1


def test_one_actual_per_indicator_year_and_source(session: Session) -> None:
    ind = Indicator(number=1, name="全社会研发投入强度", unit="%")
    session.add(ind)
    session.commit()
    session.add(IndicatorActual(indicator_id=ind.id, year=2021, value=Decimal("1.15"), source="统计局"))
    session.add(IndicatorActual(indicator_id=ind.id, year=2021, value=Decimal("1.2"), source="科技局"))
    session.commit()
    _fails(session, IndicatorActual(indicator_id=ind.id, year=2021, value=Decimal("1.3"),
                                    source="统计局"))
    _fails(session, IndicatorActual(indicator_id=999_999, year=2021, value=Decimal("1"),
                                    source="统计局"))
    assert _count(session, IndicatorActual) == 2


def test_one_target_per_indicator_and_year(session: Session) -> None:
    ind = Indicator(number=2, name="有效发明专利", unit="件")
    session.add(ind)
    session.commit()
    session.add(IndicatorTarget(indicator_id=ind.id, year=2022, value=Decimal("1110")))
    session.commit()
    _fails(session, IndicatorTarget(indicator_id=ind.id, year=2022, value=Decimal("1200")))


def test_one_contract_per_match(session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="financial")
    match = Match(need_id=make_need(session, org=ent).id, offer_id=make_offer(session, org=prov).id,
                  score=0.4)
    session.add(match)
    session.commit()
    session.add(Contract(match_id=match.id, amount_wan=Decimal("80.50"), signed_on=date(2022, 5, 1),
                         contract_type="技术开发"))
    session.commit()
    _fails(session, Contract(match_id=match.id, amount_wan=Decimal("1"), signed_on=date(2022, 6, 1),
                             contract_type="技术服务"))


@pytest.mark.parametrize("row", [
    lambda: Need(org_id=999_999, title="无主需求", category="技术攻关"),
    lambda: Match(need_id=999_999, offer_id=999_998, score=0.3),
    lambda: Qualification(org_id=999_999, kind="高新技术企业", year_granted=2021),
], ids=["need-org", "match-need", "qualification-org"])
def test_foreign_keys_are_enforced(session: Session, row) -> None:  # type: ignore[no-untyped-def]
    _fails(session, row())


@pytest.mark.parametrize("table, status", [("need", "withdrawn"), ("offer", "closed"), ("need", "gone")])
def test_database_refuses_a_posting_status_the_side_does_not_have(session: Session, table: str,
                                                                   status: str) -> None:
    org = make_org(session)
    (make_need if table == "need" else make_offer)(session, org=org)
    # Plain SQL, past the enum type: the CHECK constraint itself refuses the value.
    with pytest.raises(IntegrityError):
        session.execute(text(f"UPDATE {table} SET status = :s"), {"s": status})
    session.rollback()


def test_deleting_an_organisation_cascades_to_qualifications(session: Session) -> None:
    org = make_org(session)
    session.add(Qualification(org_id=org.id, kind="瞪羚", year_granted=2022))
    session.commit()
    session.exec(delete(Organisation).where(Organisation.id == org.id))  # type: ignore[call-overload]
    session.commit()
    assert _count(session, Qualification) == 0


def test_money_is_exact(session: Session) -> None:
    org = make_org(session, revenue_wan=Decimal("1234567.89"), rd_spending_wan=Decimal("0.10"))
    session.expire_all()
    again = session.get(Organisation, org.id)
    assert again is not None
    assert again.revenue_wan == Decimal("1234567.89")
    assert again.rd_spending_wan == Decimal("0.10")


@pytest.mark.parametrize("model, values, field", [
    (Organisation, dict(name="甲", kind="enterprise", credit_code="91350100M000100Y43",
                        revenue_wan=-1), "revenue_wan"),
    (Organisation, dict(name="甲", kind="enterprise", credit_code="91350100M000100Y43",
                        employees=-5), "employees"),
    (Need, dict(org_id=1, title="x" * 101, category="技术攻关"), "title"),
    (Need, dict(org_id=1, title="需求", category="技术攻关", budget_wan="-0.01"), "budget_wan"),
    (Match, dict(need_id=1, offer_id=1, score=1.5), "score"),
])
def test_field_rules_reject_bad_values(model: type, values: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(values)
    assert info.value.errors()[0]["loc"] == (field,)

"""Enterprise portraits: R&D intensity, the innovation score and the history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from models import Organisation, Qualification, RelatedParty
from tests.factories import make_need, make_offer, make_org, make_proposal, make_signed_contract
from web.services.errors import NotFound
from web.services.organisations import portraits


def test_rd_intensity_and_score_parts() -> None:
    org = Organisation(name="x", kind="enterprise", credit_code="x", revenue_wan=Decimal("1000"),
                       rd_spending_wan=Decimal("25"), invention_patents=4, total_patents=60)
    quals = [Qualification(org_id=1, kind="高新技术企业", year_granted=2021),
             Qualification(org_id=1, kind="瞪羚", year_granted=2022),
             Qualification(org_id=1, kind="雏鹰", year_granted=2018, expires_on=date(2020, 12, 31)),
             Qualification(org_id=1, kind="科技领军", year_granted=2022)]
    assert portraits.rd_intensity(org) == Decimal("0.025")
    s = portraits.innovation_score(org, quals, today=date(2022, 6, 1))
    points = {p.label: p.points for p in s.parts}
    assert points == {"研发投入强度": Decimal("15.00"), "有效发明专利": Decimal("10.00"),
                      "专利总数": Decimal("15.00"), "有效资质": Decimal("30.00")}  # 15+10+15 capped at 30
    assert s.total == Decimal("70.00")
    assert "研发投入强度" in s.formula


def test_score_without_revenue() -> None:
    org = Organisation(name="x", kind="enterprise", credit_code="x", revenue_wan=Decimal("0"),
                       rd_spending_wan=Decimal("10"))
    assert portraits.rd_intensity(org) is None
    assert portraits.innovation_score(org, []).total == Decimal("0.00")


def test_portrait_history_related_and_search(session: Session) -> None:
    ent = make_org(session, name="天津画像测试科技有限公司", credit_standing="good", credit_source="信用中国（天津）",
                   credit_date=date(2022, 3, 1), rd_spending_wan=Decimal("60"))
    other = make_org(session, kind="intermediary", name="关联服务中心")
    session.add(RelatedParty(org_id=other.id, related_org_id=ent.id, relation="股东"))
    session.add(Qualification(org_id=ent.id, kind="高新技术企业", year_granted=2020))
    session.commit()
    need = make_need(session, org=ent)
    m = make_proposal(session, need=need, offer=make_offer(session, org=other), status="approved")
    make_signed_contract(session, match=m, amount_wan=Decimal("300"))
    p = portraits.get_portrait(session, org_id=ent.id)
    assert [n.id for n in p.needs] == [need.id]
    assert [v.match.id for v in p.matches] == [m.id]
    assert p.contract_total_wan == Decimal("300")
    assert [(r.org.name, r.relation, r.direction) for r in p.related] == [("关联服务中心", "股东", "incoming")]
    assert [q.kind for q in p.qualifications] == ["高新技术企业"]
    assert p.rd_intensity is not None
    assert portraits.get_portrait(session, org_id=other.id).contracts[0].contract.amount_wan == Decimal("300")
    found = portraits.search_organisations(session, q="画像测试")
    assert [o.id for o in found.items] == [ent.id]
    assert portraits.search_organisations(session, q=ent.credit_code).total == 1
    assert portraits.search_organisations(session, q="关联服务").total == 0  # not an enterprise
    assert portraits.search_organisations(session, q="关联服务", kind="provider").total == 1
    with pytest.raises(NotFound):
        portraits.get_portrait(session, org_id=999999)

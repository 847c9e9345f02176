"""The last step of each flow: the contract shown to both sides, correcting and voiding it,
withdrawing interest, rating after a contract, and clear messages for empty contract fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import AuditLog, Contract, Match, MatchEvent, Notification, Rating
from tests.factories import make_need, make_offer, make_org, make_proposal, make_user
from tests.web.conftest import login
from web.services.indicators.counted import platform_figures
from web.services.indicators.plan import ensure_plan_indicators
from web.services.notifications import Target


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _state(session: Session) -> tuple:
    session.expire_all()
    contracts = tuple((c.id, str(c.amount_wan), c.signed_on, c.voided_at) for c in
                      session.exec(select(Contract).order_by(Contract.id)).all())
    matches = tuple((m.id, m.status, m.enterprise_interested, m.provider_interested)
                    for m in session.exec(select(Match).order_by(Match.id)).all())
    return (_count(session, MatchEvent), _count(session, AuditLog), _count(session, Notification),
            _count(session, Rating), contracts, matches)


@pytest.fixture
def parties(session: Session) -> dict:
    ent = make_org(session, name="天津签约企业")
    prov = make_org(session, kind="intermediary", name="天津技术转移中心")
    m = make_proposal(session, need=make_need(session, org=ent, title="视觉检测攻关"),
                      offer=make_offer(session, org=prov, title="AI视觉检测方案"), status="approved")
    return {"ent": ent, "prov": prov, "match": m,
            "ent_user": make_user(session, role="enterprise", org=ent).username,
            "prov_user": make_user(session, role="provider", org=prov).username,
            "staff_user": make_user(session, role="staff", display_name="赵专员").username}


def _sign(client: TestClient, csrf: str, match_id: int, **fields: str) -> object:
    data = {"csrf_token": csrf, "to_status": "contracted", "amount_wan": "256.80", "signed_on": "2022-05-01",
            "contract_type": "技术服务", "registration_no": "2022120105000777", **fields}
    return client.post(f"/staff/pipeline/{match_id}/move", data=data, follow_redirects=False)


def test_empty_contract_fields_say_what_is_missing(client: TestClient, session: Session, parties: dict) -> None:
    csrf = login(client, parties["staff_user"])
    before = _state(session)
    r = _sign(client, csrf, parties["match"].id, amount_wan="", signed_on="", contract_type="")
    assert r.status_code == 422
    errors = r.context["errors"]
    assert errors["amount_wan"] == "请填写合同金额（单位：万元）"
    assert errors["signed_on"] == "请填写签约日期"
    assert errors["contract_type"].startswith("请选择合同类型")
    assert "应为数字" not in r.text and "格式应为" not in r.text
    r = _sign(client, csrf, parties["match"].id, amount_wan="八十万")
    assert r.context["errors"]["amount_wan"] == "合同金额应为数字（单位：万元）"
    assert _state(session) == before


def test_both_sides_see_the_contract_and_the_steps(client: TestClient, session: Session, parties: dict) -> None:
    m = parties["match"]
    csrf = login(client, parties["staff_user"])
    assert _sign(client, csrf, m.id).status_code == 303
    for username, base in ((parties["ent_user"], "/enterprise"), (parties["prov_user"], "/provider")):
        client.cookies.clear()
        login(client, username)
        page = client.get(f"{base}/matches/{m.id}")
        assert page.status_code == 200
        text = page.text
        assert "等待服务专员处理" not in text and "等待服务专员审核" not in text
        assert "双方已签订技术合同" in text
        assert "256.80 万元" in text and "2022-05-01" in text and "技术服务" in text and "2022120105000777" in text
        assert [s.label for s in page.context["steps"]] == ["签订技术合同"]
        assert "表达合作意向" not in text  # the match is over: nothing left to express


def test_staff_correct_a_contract_with_a_reason(client: TestClient, session: Session, parties: dict) -> None:
    m = parties["match"]
    csrf = login(client, parties["staff_user"])
    _sign(client, csrf, m.id)
    before = _state(session)
    r = client.post(f"/staff/pipeline/{m.id}/contract/correct", data={
        "csrf_token": csrf, "amount_wan": "265.80", "signed_on": "2022-05-01", "contract_type": "技术服务",
        "registration_no": "2022120105000777", "reason": ""})
    assert r.status_code == 422 and "请填写更正原因" in r.text
    r = client.post(f"/staff/pipeline/{m.id}/contract/correct", data={
        "csrf_token": csrf, "amount_wan": "256.80", "signed_on": "2022-05-01", "contract_type": "技术服务",
        "registration_no": "2022120105000777", "reason": "核对"})
    assert r.status_code == 422 and "没有变化" in r.text
    assert _state(session) == before
    r = client.post(f"/staff/pipeline/{m.id}/contract/correct", data={
        "csrf_token": csrf, "amount_wan": "265.80", "signed_on": "2022-05-02", "contract_type": "技术服务",
        "registration_no": "2022120105000777", "reason": "登记机构核定金额为265.80万元"}, follow_redirects=False)
    assert r.status_code == 303
    assert "技术合同已更正" in client.get(r.headers["location"]).text
    session.expire_all()
    contract = session.exec(select(Contract)).one()
    assert (contract.amount_wan, contract.signed_on) == (Decimal("265.80"), date(2022, 5, 2))
    entry = session.exec(select(AuditLog).where(AuditLog.action == "contract.correct")).one()
    assert entry.detail["reason"] == "登记机构核定金额为265.80万元"
    assert entry.detail["changes"] == {"amount_wan": ["256.80", "265.80"], "signed_on": ["2022-05-01", "2022-05-02"]}
    notes = session.exec(select(Notification).where(Notification.title == "技术合同信息已更正")).all()
    assert {n.org_id for n in notes} == {parties["ent"].id, parties["prov"].id}
    assert all(Target.decode(n.link) == Target("match", m.id) for n in notes)  # each side's match page


def test_staff_void_a_contract_with_a_reason(client: TestClient, session: Session, parties: dict) -> None:
    m = parties["match"]
    ensure_plan_indicators(session)
    session.commit()
    csrf = login(client, parties["staff_user"])
    _sign(client, csrf, m.id, signed_on="2022-05-01")
    assert platform_figures(session, year=2022)[7] == Decimal("0.02568")
    before = _state(session)
    r = client.post(f"/staff/pipeline/{m.id}/contract/void", data={"csrf_token": csrf, "reason": "  "})
    assert r.status_code == 422 and "请填写作废原因" in r.text
    assert _state(session) == before
    r = client.post(f"/staff/pipeline/{m.id}/contract/void", data={"csrf_token": csrf, "reason": "双方解除合同",
                                                                  "confirmed": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "技术合同已作废" in page.text and "双方解除合同" in page.text and "已作废" in page.text
    session.expire_all()
    assert session.get(Match, m.id).status == "closed"
    contract = session.exec(select(Contract)).one()
    assert contract.voided_at is not None and contract.void_reason == "双方解除合同"
    entry = session.exec(select(AuditLog).where(AuditLog.action == "contract.void")).one()
    assert entry.detail["reason"] == "双方解除合同" and entry.detail["amount_wan"] == "256.80"
    assert platform_figures(session, year=2022)[7] == Decimal(0)  # no longer counted
    # Voiding twice is refused and changes nothing.
    before = _state(session)
    r = client.post(f"/staff/pipeline/{m.id}/contract/void", data={"csrf_token": csrf, "reason": "再次"})
    assert r.status_code == 404 and _state(session) == before
    client.cookies.clear()
    login(client, parties["ent_user"])
    page = client.get(f"/enterprise/matches/{m.id}")
    assert "撮合已结束" in page.text and "双方解除合同" in page.text
    assert page.context["steps"][-1].label == "技术合同已作废，撮合结束"


def test_interest_can_be_withdrawn(client: TestClient, session: Session, parties: dict) -> None:
    m = make_proposal(session, need=make_need(session, org=parties["ent"]), status="proposed")
    make_user(session, role="staff")
    csrf = login(client, parties["ent_user"])
    r = client.post(f"/enterprise/matches/{m.id}/interest", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "等待服务专员审核" in page.text and "撤回合作意向" in page.text
    r = client.post(f"/enterprise/matches/{m.id}/interest/withdraw", data={"csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "已撤回合作意向" in page.text and "表达合作意向" in page.text
    session.expire_all()
    assert session.get(Match, m.id).enterprise_interested is False
    assert session.exec(select(AuditLog).where(AuditLog.action == "match.interest.withdraw")).one()
    assert session.exec(select(Notification).where(Notification.title.contains("撤回了合作意向"))).all()
    before = _state(session)
    r = client.post(f"/enterprise/matches/{m.id}/interest/withdraw", data={"csrf_token": csrf})
    assert r.status_code == 409 and "尚未表达合作意向" in r.text
    assert _state(session) == before


def test_both_sides_rate_after_the_contract_and_the_portrait_shows_it(
        client: TestClient, session: Session, parties: dict) -> None:
    m = parties["match"]
    login(client, parties["ent_user"])
    ent_csrf = login(client, parties["ent_user"])
    r = client.post(f"/enterprise/matches/{m.id}/rating", data={"csrf_token": ent_csrf, "score": "5"})
    assert r.status_code == 409 and "签约后才能评价" in r.text  # not yet contracted
    client.cookies.clear()
    _sign(client, login(client, parties["staff_user"]), m.id)
    client.cookies.clear()
    ent_csrf = login(client, parties["ent_user"])
    assert "合作评价" in client.get(f"/enterprise/matches/{m.id}").text
    before = _state(session)
    for bad in ("", "6", "abc"):
        r = client.post(f"/enterprise/matches/{m.id}/rating", data={"csrf_token": ent_csrf, "score": bad})
        assert r.status_code == 422 and "请选择 1—5 分的评价" in r.text
    assert _state(session) == before
    r = client.post(f"/enterprise/matches/{m.id}/rating", data={
        "csrf_token": ent_csrf, "score": "5", "comment": "响应及时，方案落地"}, follow_redirects=False)
    assert r.status_code == 303 and "感谢评价" in client.get(r.headers["location"]).text
    r = client.post(f"/enterprise/matches/{m.id}/rating", data={"csrf_token": ent_csrf, "score": "1"})
    assert r.status_code == 409 and "已评价过" in r.text
    client.cookies.clear()
    prov_csrf = login(client, parties["prov_user"])
    r = client.post(f"/provider/matches/{m.id}/rating", data={"csrf_token": prov_csrf, "score": "4"},
                    follow_redirects=False)
    assert r.status_code == 303
    ratings = {(r.rater_org_id, r.rated_org_id, r.score) for r in session.exec(select(Rating)).all()}
    assert ratings == {(parties["ent"].id, parties["prov"].id, 5), (parties["prov"].id, parties["ent"].id, 4)}
    client.cookies.clear()
    login(client, parties["staff_user"])
    portrait = client.get(f"/staff/portraits/{parties['prov'].id}")
    assert portrait.context["p"].ratings.average == Decimal("5.0")
    assert "平均 5.0 分" in portrait.text and "响应及时，方案落地" in portrait.text and "天津签约企业" in portrait.text
    # Another organisation's match cannot be rated.
    client.cookies.clear()
    other = make_user(session, role="enterprise", org=make_org(session)).username
    csrf = login(client, other)
    assert client.post(f"/enterprise/matches/{m.id}/rating", data={"csrf_token": csrf, "score": "1"}).status_code == 404

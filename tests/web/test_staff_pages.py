"""Staff pages and API through the real app: queue, decisions, pipeline, portraits, audit, export."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from models import AuditLog, Contract, Match, MatchEvent, Notification, Qualification
from tests.factories import (
    make_need,
    make_offer,
    make_org,
    make_proposal,
    make_signed_contract,
    make_user,
)
from tests.web.conftest import login
from web.presentation.times import DEFAULT_TIME_ZONE, local_zone


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _state(session: Session) -> tuple:
    session.expire_all()
    return tuple(_count(session, m) for m in (MatchEvent, AuditLog, Notification, Contract)) + tuple(
        (m.id, m.status) for m in session.exec(select(Match).order_by(Match.id)).all())


@pytest.fixture
def staff_client(client: TestClient, session: Session) -> tuple[TestClient, str]:
    make_user(session, role="staff", username="zhuanyuan", display_name="赵专员")
    return client, login(client, "zhuanyuan")


def test_queue_shows_both_postings_with_marks_and_escapes(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, _ = staff_client
    ent = make_org(session, name="天津队列测试企业")
    need = make_need(session, org=ent, title="视觉检测<script>alert(1)</script>", description="需要视觉方案")
    bad = make_org(session, kind="intermediary", credit_standing="bad")
    m = make_proposal(session, need=need, offer=make_offer(session, org=bad), score=0.8)
    make_proposal(session, score=0.05)  # below the threshold
    r = client.get("/staff/review")
    assert r.status_code == 200 and r.template.name == "staff/review.html"
    assert [v.match.id for v in r.context["page"].items] == [m.id]
    assert "<mark>视觉</mark>检测&lt;script&gt;" in r.text
    assert "<script>alert(1)</script>" not in r.text
    assert "信用风险" in r.text and "天津队列测试企业" in r.text
    r = client.get("/staff/review?threshold=0.01&category=技术攻关&min_score=abc")
    assert r.status_code == 200 and r.context["page"].total == 2
    assert client.get(f"/staff/review/{m.id}").context["v"].match.id == m.id


def test_approve_and_reject_from_pages(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = staff_client
    a, b = make_proposal(session), make_proposal(session)
    r = client.post(f"/staff/review/{a.id}/approve", data={"csrf_token": csrf, "back": "/staff/review?org=x",
                                                          "confirmed": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/review?org=x&done=approved"
    assert "已批准该匹配" in client.get(r.headers["location"]).text
    r = client.post(f"/staff/review/{b.id}/reject", data={"csrf_token": csrf, "reason_code": "conflict",
                                                         "back": "https://evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == f"/staff/review/{b.id}?done=rejected"
    session.expire_all()
    assert session.get(Match, a.id).status == "approved"
    assert (session.get(Match, b.id).status, session.get(Match, b.id).reject_code) == ("rejected", "conflict")
    # Deciding again: a clear conflict, nothing changed.
    before = _state(session)
    r = client.post(f"/staff/review/{a.id}/approve", data={"csrf_token": csrf})
    assert r.status_code == 409 and "该匹配已被其他专员处理" in r.text
    assert _state(session) == before


def test_reject_with_unknown_reason_rerenders_and_changes_nothing(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = staff_client
    m = make_proposal(session)
    before = _state(session)
    r = client.post(f"/staff/review/{m.id}/reject", data={"csrf_token": csrf, "reason_code": "made-up"})
    assert r.status_code == 422 and "请选择有效的驳回原因" in r.text
    assert r.template.name == "staff/review_detail.html"
    assert _state(session) == before


def test_post_without_csrf_is_refused(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, _ = staff_client
    m = make_proposal(session)
    assert client.post(f"/staff/review/{m.id}/approve", data={}).status_code == 403
    assert client.post(f"/api/v1/staff/matches/{m.id}/approve", json={}).status_code == 403
    session.expire_all()
    assert session.get(Match, m.id).status == "proposed"


def test_bulk_and_manual_from_pages(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = staff_client
    a, b, c = make_proposal(session), make_proposal(session), make_proposal(session, status="approved")
    r = client.post("/staff/review/bulk", data={"csrf_token": csrf, "decision": "reject", "reason_code": "duplicate",
                                                "match_ids": [a.id, b.id, c.id]}, follow_redirects=False)
    assert r.headers["location"] == "/staff/review?done=bulk&d=reject&n=2&s=1"
    assert "驳回 2 条" in client.get(r.headers["location"]).text
    need = make_need(session, org=make_org(session), title="手动撮合需求")
    offer = make_offer(session, org=make_org(session, kind="university"), title="手动撮合服务")
    page = client.get("/staff/review/manual?nq=手动撮合需求&oq=手动撮合服务")
    assert [p.id for p, _ in page.context["needs"]] == [need.id]
    r = client.post("/staff/review/manual", data={"csrf_token": csrf, "need_id": need.id, "offer_id": offer.id,
                                                  "approve": "1", "note": "对接会"}, follow_redirects=False)
    m = session.exec(select(Match).where(Match.need_id == need.id)).one()
    assert r.headers["location"] == f"/staff/pipeline/{m.id}?done=manual"
    assert (m.source, m.status) == ("manual", "approved")


def test_pipeline_move_to_contract_and_portrait(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = staff_client
    ent = make_org(session, name="天津签约测试企业")
    m = make_proposal(session, need=make_need(session, org=ent), status="approved")
    r = client.get("/staff/pipeline")
    assert r.template.name == "staff/pipeline.html"
    assert [c.view.match.id for c in r.context["board"].columns["approved"]] == [m.id]
    r = client.post(f"/staff/pipeline/{m.id}/move", data={"csrf_token": csrf, "to_status": "contacted",
                                                          "note": "已电话联系"}, follow_redirects=False)
    assert r.status_code == 303
    before = _state(session)
    r = client.post(f"/staff/pipeline/{m.id}/move", data={
        "csrf_token": csrf, "to_status": "contracted", "amount_wan": "-3", "signed_on": "2022-05-01",
        "contract_type": "技术开发"})
    assert r.status_code == 422 and "合同金额必须大于 0 万元" in r.text
    assert r.context["form"]["amount_wan"] == "-3"
    assert _state(session) == before
    r = client.post(f"/staff/pipeline/{m.id}/move", data={
        "csrf_token": csrf, "to_status": "contracted", "amount_wan": "256.80", "signed_on": "2022-05-01",
        "contract_type": "技术服务", "registration_no": "2022120105000777"}, follow_redirects=False)
    assert r.status_code == 303
    detail = client.get(r.headers["location"])
    assert "256.80 万元" in detail.text and "已电话联系" in detail.text and "赵专员" in detail.text
    portrait = client.get(f"/staff/portraits/{ent.id}")
    assert portrait.template.name == "staff/portrait.html"
    assert "256.80" in portrait.text and "技术服务" in portrait.text
    assert "创新能力评分（满分 100）" in portrait.text
    listing = client.get("/staff/portraits?q=签约测试")
    assert [o.id for o in listing.context["page"].items] == [ent.id]


def test_contracting_a_rejected_match_is_refused(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = staff_client
    m = make_proposal(session, status="rejected")
    before = _state(session)
    r = client.post(f"/staff/pipeline/{m.id}/move", data={
        "csrf_token": csrf, "to_status": "contracted", "amount_wan": "10", "signed_on": "2022-05-01",
        "contract_type": "技术开发"})
    assert r.status_code == 409 and "不能变更为“已签约”" in r.text
    r = client.post(f"/api/v1/staff/matches/{m.id}/move", headers={"X-CSRF-Token": csrf}, json={
        "to_status": "contracted", "contract": {"amount_wan": "10", "signed_on": "2022-05-01",
                                                "contract_type": "技术开发"}})
    assert r.status_code == 409 and "不能变更为" in r.json()["detail"]
    assert _state(session) == before


def test_portrait_shows_score_parts_credit_and_related(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, _ = staff_client
    org = make_org(session, revenue_wan=Decimal("2000"), rd_spending_wan=Decimal("100"), invention_patents=5,
                   credit_standing="good", credit_source="信用中国", credit_date=date(2022, 1, 5))
    session.add(Qualification(org_id=org.id, kind="瞪羚", year_granted=2021))
    session.commit()
    r = client.get(f"/staff/portraits/{org.id}")
    assert "5.00%" in r.text and "2021 年" in r.text and "信用中国" in r.text and "2022-01-05" in r.text
    assert r.context["p"].score.total == Decimal("52.50")  # 30 + 12.5 + 0 + 10
    assert client.get("/staff/portraits/999999").status_code == 404


def test_feedback_and_audit_pages(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = staff_client
    a, b = make_proposal(session), make_proposal(session)
    client.post(f"/staff/review/{a.id}/approve", data={"csrf_token": csrf, "confirmed": "1"})
    client.post(f"/staff/review/{b.id}/reject", data={"csrf_token": csrf, "reason_code": "irrelevant"})
    r = client.get("/staff/feedback")
    assert r.template.name == "staff/feedback.html" and "50%" in r.text
    r = client.get("/staff/audit")
    # The security audit also records the staff member's login; the match decisions are two.
    assert "批准匹配" in r.text and "赵专员" in r.text
    assert client.get("/staff/audit?action=match.reject").context["page"].total == 1
    assert client.get("/staff/audit?action=match").context["page"].total == 2
    assert client.get("/staff/audit?actor=赵&action=match").context["page"].total == 2
    assert client.get("/staff/audit?actor=nobody").context["page"].total == 0
    assert client.get("/staff/audit?from=2999-01-01").context["page"].total == 0
    today = datetime.now(local_zone(DEFAULT_TIME_ZONE)).date()  # the page's days are Beijing days
    assert client.get(f"/staff/audit?action=match&to={today.isoformat()}&from=bad").context["page"].total == 2
    api = client.get("/api/v1/staff/audit?action=match.approve").json()
    assert api["total"] == 1 and api["items"][0]["actor"] == "赵专员"


def _sheet(data: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(data)).active
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def test_exports_neutralise_formulas(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, _ = staff_client
    ent = make_org(session, name="=HYPERLINK(\"http://x\")公司")
    need = make_need(session, org=ent, title="+SUM(A1:A9)需求")
    offer = make_offer(session, org=make_org(session, kind="intermediary", name="@机构"), title="-1+2服务")
    make_proposal(session, need=need, offer=offer, score=0.9)
    signed = make_proposal(session, need=need, status="approved")
    make_signed_contract(session, match=signed, registration_no="=cmd|' /C calc'!A0")
    for url, title in (("/staff/review/export.xlsx", "审核队列"), ("/staff/pipeline/export.xlsx", "撮合看板"),
                       ("/staff/contracts/export.xlsx", "技术合同")):
        r = client.get(url)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        rows = _sheet(r.content)
        cells = [c for row in rows[1:] for c in row if isinstance(c, str)]
        assert cells, title
        assert not [c for c in cells if c[0] in "=+-@"], (title, cells)
    queue = _sheet(client.get("/staff/review/export.xlsx").content)
    assert "'+SUM(A1:A9)需求" in queue[1] and "'@机构" in queue[1] and "'-1+2服务" in queue[1]
    contracts = _sheet(client.get("/staff/contracts/export.xlsx").content)
    assert "'=cmd|' /C calc'!A0" in contracts[1] and Decimal(str(contracts[1][3])) == Decimal("120.5")


def test_api_queue_approve_reject_bulk_manual(staff_client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = staff_client
    h = {"X-CSRF-Token": csrf}
    a, b, c = make_proposal(session, score=0.9), make_proposal(session, score=0.5), make_proposal(session, score=0.4)
    q = client.get("/api/v1/staff/queue").json()
    assert [i["id"] for i in q["items"]] == [a.id, b.id, c.id] and q["items"][0]["terms"] == ["视觉", "缺陷检测"]
    assert client.get("/api/v1/staff/queue?min_score=0.45").json()["total"] == 2
    assert client.post(f"/api/v1/staff/matches/{a.id}/approve", headers=h).json()["status"] == "approved"
    r = client.post(f"/api/v1/staff/matches/{a.id}/approve", headers=h)
    assert r.status_code == 409 and "该匹配已被其他专员处理" in r.json()["detail"]
    r = client.post(f"/api/v1/staff/matches/{b.id}/reject", headers=h, json={"reason_code": "nope"})
    assert r.status_code == 422 and r.json()["errors"]["reason_code"]
    r = client.post(f"/api/v1/staff/matches/{b.id}/reject", headers=h, json={"reason_code": "other", "note": "重复"})
    assert r.json()["reject_code"] == "other"
    r = client.post("/api/v1/staff/matches/bulk", headers=h, json={"match_ids": [b.id, c.id], "decision": "approve"})
    assert r.json() == {"done": [c.id], "skipped": [b.id]}
    need, offer = make_need(session, org=make_org(session)), make_offer(session, org=make_org(session, kind="university"))
    r = client.post("/api/v1/staff/matches", headers=h, json={"need_id": need.id, "offer_id": offer.id, "approve": False})
    assert r.status_code == 201 and r.json()["source"] == "manual" and r.json()["status"] == "proposed"
    r = client.post(f"/api/v1/staff/matches/{c.id}/move", headers=h, json={
        "to_status": "contracted", "contract": {"amount_wan": "1000000", "signed_on": "2022-01-01",
                                                "contract_type": "技术开发"}})
    assert r.status_code == 422 and "超出合理范围" in r.json()["errors"]["amount_wan"]
    r = client.post(f"/api/v1/staff/matches/{c.id}/move", headers=h, json={
        "to_status": "contracted", "contract": {"amount_wan": "12.5", "signed_on": "2022-01-01",
                                                "contract_type": "技术许可"}})
    assert r.status_code == 200 and r.json()["contract"]["amount_wan"] == "12.50"
    board = client.get("/api/v1/staff/pipeline").json()
    assert [x["match"]["id"] for x in board["contracted"]] == [c.id]
    stats = client.get("/api/v1/staff/feedback/approval-stats").json()
    assert stats[0]["approved"] == 2 and stats[0]["rejected"] == 1
    p = client.get(f"/api/v1/staff/portraits/{need.org_id}").json()
    assert "研发投入强度" in p["innovation_score"]["formula"]


@pytest.mark.parametrize("role", ["enterprise", "provider", "official"])
def test_other_roles_are_refused(client: TestClient, session: Session, role: str) -> None:
    org = make_org(session, kind="enterprise" if role == "enterprise" else "intermediary") if role != "official" else None
    make_user(session, role=role, username=f"r-{role}", org=org)
    csrf = login(client, f"r-{role}")
    m = make_proposal(session)
    for url in ("/staff/review", "/staff/pipeline", "/staff/portraits", "/staff/audit", "/staff/feedback",
                "/staff/review/export.xlsx", "/api/v1/staff/queue"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/staff/review/{m.id}/approve", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/api/v1/staff/matches/{m.id}/approve", headers={"X-CSRF-Token": csrf}).status_code == 403
    session.expire_all()
    assert session.get(Match, m.id).status == "proposed"


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    r = client.get("/staff/review", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert client.get("/api/v1/staff/queue").status_code == 401


def test_admin_reaches_staff_pages(client: TestClient, session: Session) -> None:
    make_user(session, role="admin", username="guanliyuan")
    login(client, "guanliyuan")
    assert client.get("/staff/audit").status_code == 200
    assert client.get("/staff/review").status_code == 200

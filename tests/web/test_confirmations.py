"""Irreversible actions ask first: without the confirming request nothing changes; the page
that asks works without JavaScript; afterwards the page says what happened."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import AuditLog, IndicatorActual, Match, Need, Notification, User
from tests.factories import make_actual, make_need, make_org, make_proposal, make_user
from tests.web.conftest import login
from web.services.indicators.plan import ensure_plan_indicators


def _state(session: Session) -> tuple:
    session.expire_all()
    counts = tuple(session.exec(select(func.count()).select_from(m)).one()
                   for m in (AuditLog, Notification, IndicatorActual))
    return counts + tuple((m.id, m.status) for m in session.exec(select(Match).order_by(Match.id)).all()) + tuple(
        (u.id, u.is_active) for u in session.exec(select(User).order_by(User.id)).all()) + tuple(
        (n.id, n.status) for n in session.exec(select(Need).order_by(Need.id)).all())


def _asks(r, title: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 200 and r.template.name == "includes/confirm.html", r.status_code
    assert f"请确认：{title}" in r.text
    assert 'name="confirmed" value="1"' in r.text and "取消，返回" in r.text


def test_approving_a_match_asks_first(client: TestClient, session: Session) -> None:
    make_user(session, role="staff", username="confirmer")
    csrf = login(client, "confirmer")
    m = make_proposal(session)
    before = _state(session)
    r = client.post(f"/staff/review/{m.id}/approve", data={"csrf_token": csrf, "note": "看过", "back": "/staff/review"})
    _asks(r, "批准匹配")
    assert "联系方式" in r.text and 'name="note" value="看过"' in r.text and 'name="back" value="/staff/review"' in r.text
    assert _state(session) == before
    r = client.post(f"/staff/review/{m.id}/approve", data={"csrf_token": csrf, "note": "看过", "back": "/staff/review",
                                                          "confirmed": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert "已批准该匹配，已通知供需双方并开放联系方式" in client.get(r.headers["location"]).text
    session.expire_all()
    assert session.get(Match, m.id).status == "approved"


def test_bulk_approval_asks_first_and_says_how_many(client: TestClient, session: Session) -> None:
    make_user(session, role="staff", username="bulker")
    csrf = login(client, "bulker")
    ms = [make_proposal(session) for _ in range(3)]
    before = _state(session)
    data = {"csrf_token": csrf, "decision": "approve", "match_ids": [str(m.id) for m in ms]}
    r = client.post("/staff/review/bulk", data=data)
    _asks(r, "批量批准 3 条匹配")
    assert all(f'name="match_ids" value="{m.id}"' in r.text for m in ms)
    assert _state(session) == before
    r = client.post("/staff/review/bulk", data={**data, "confirmed": "1"}, follow_redirects=False)
    page = client.get(r.headers["location"])
    assert "批量批准完成：批准 3 条，已通知供需双方并公开双方联系方式" in page.text
    # Rejecting in bulk needs no confirmation (nothing is revealed, nobody is told).
    more = [make_proposal(session) for _ in range(2)]
    r = client.post("/staff/review/bulk", data={"csrf_token": csrf, "decision": "reject", "reason_code": "duplicate",
                                                "match_ids": [str(m.id) for m in more]}, follow_redirects=False)
    assert r.status_code == 303 and "批量驳回完成：驳回 2 条" in client.get(r.headers["location"]).text


def test_disabling_an_account_asks_first(client: TestClient, session: Session) -> None:
    make_user(session, role="admin", username="root1")
    target = make_user(session, role="staff", username="leaving", display_name="离职专员")
    csrf = login(client, "root1")
    before = _state(session)
    r = client.post(f"/admin/users/{target.id}/active", data={"csrf_token": csrf, "active": "0"})
    _asks(r, "停用账号")
    assert "leaving" in r.text and "离职专员" in r.text
    assert _state(session) == before
    r = client.post(f"/admin/users/{target.id}/active", data={"csrf_token": csrf, "active": "0", "confirmed": "1"},
                    follow_redirects=False)
    assert "已停用账号 leaving" in client.get(r.headers["location"]).text
    session.expire_all()
    assert session.get(User, target.id).is_active is False
    # Enabling again needs no confirmation.
    r = client.post(f"/admin/users/{target.id}/active", data={"csrf_token": csrf, "active": "1"}, follow_redirects=False)
    assert r.status_code == 303 and "已启用账号 leaving" in client.get(r.headers["location"]).text


def test_deleting_an_official_statistic_asks_first(client: TestClient, session: Session) -> None:
    ensure_plan_indicators(session)
    session.commit()
    actual = make_actual(session, number=3, year=2021, value="112", source="区科技局认定名单")
    make_user(session, role="staff", username="statistician")
    csrf = login(client, "statistician")
    before = _state(session)
    r = client.post(f"/dashboard/actuals/{actual.id}/delete", data={"csrf_token": csrf})
    _asks(r, "删除指标数值")
    assert "3. 高新技术企业数量" in r.text and "112家" in r.text and "区科技局认定名单" in r.text
    assert _state(session) == before
    r = client.post(f"/dashboard/actuals/{actual.id}/delete", data={"csrf_token": csrf, "confirmed": "1"},
                    follow_redirects=False)
    assert "已删除：3. 高新技术企业数量 2021年 112家（区科技局认定名单）" in client.get(r.headers["location"]).text


def test_closing_a_posting_asks_first_and_stops_promising_matches(client: TestClient, session: Session) -> None:
    ent = make_org(session)
    need = make_need(session, org=ent, title="待关闭的需求")
    csrf = login(client, make_user(session, org=ent).username)
    assert "平台会自动匹配" in client.get(f"/enterprise/needs/{need.id}").text
    before = _state(session)
    r = client.post(f"/enterprise/needs/{need.id}/close", data={"csrf_token": csrf})
    _asks(r, "关闭需求")
    assert "待关闭的需求" in r.text and _state(session) == before
    r = client.post(f"/enterprise/needs/{need.id}/close", data={"csrf_token": csrf, "confirmed": "1"},
                    follow_redirects=False)
    page = client.get(r.headers["location"])
    assert "需求已关闭，平台不再为其自动匹配" in page.text
    assert "平台会自动匹配" not in page.text


def test_the_confirmation_page_cannot_be_used_without_the_csrf_token(client: TestClient, session: Session) -> None:
    make_user(session, role="staff", username="csrfcheck")
    login(client, "csrfcheck")
    m = make_proposal(session)
    before = _state(session)
    assert client.post(f"/staff/review/{m.id}/approve", data={"confirmed": "1"}).status_code == 403
    assert _state(session) == before

"""Drafts (草稿) and reopening, through the pages and the API: good and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import Match, MatchEvent, Need, Notification, Offer
from tests.factories import make_org, make_user
from tests.web.conftest import login
from web.presentation.times import default_today

NEED = {"title": "视觉检测技术攻关", "description": "零部件表面缺陷检测", "category": "技术攻关"}
OFFER = {"title": "AI视觉检测", "description": "工业视觉零部件表面缺陷检测系统", "category": "技术攻关"}


def snapshot(session: Session) -> tuple:
    session.expire_all()
    rows = [(n.id, n.status, n.title) for n in session.exec(select(Need).order_by(Need.id)).all()]
    matches = [(m.id, m.status) for m in session.exec(select(Match).order_by(Match.id)).all()]
    notes = session.exec(select(func.count()).select_from(Notification)).one()
    return rows, matches, notes


@pytest.fixture
def world(client: TestClient, session: Session):  # type: ignore[no-untyped-def]
    client.follow_redirects = False
    ent, prov = make_org(session), make_org(session, kind="university")
    return {"ent": ent, "prov": prov, "user": make_user(session, org=ent),
            "puser": make_user(session, role="provider", org=prov)}


def test_draft_from_form_is_private_unmatched_until_published(client: TestClient, session: Session,
                                                              world) -> None:  # type: ignore[no-untyped-def]
    token = login(client, world["puser"].username)
    assert client.post("/api/v1/offers", json=OFFER, headers={"X-CSRF-Token": token}).status_code == 201
    client.cookies.clear()
    token = login(client, world["user"].username)
    r = client.post("/enterprise/needs", data={**NEED, "action": "draft", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].endswith("?drafted=1")
    need = session.exec(select(Need)).one()
    assert need.status == "draft"
    page = client.get(r.headers["location"])
    assert "草稿已保存，仅本机构可见" in page.text and page.context["recs"] == []
    assert matching_keys(client) == {f"o{session.exec(select(Offer)).one().id}"}
    assert session.exec(select(Match)).all() == [] and session.exec(select(Notification)).all() == []
    # Editing a draft keeps it a draft: still no match, still nobody told.
    r = client.post(f"/enterprise/needs/{need.id}/edit", data={**NEED, "title": "视觉检测（改）",
                                                               "csrf_token": token})
    assert r.status_code == 303 and session.exec(select(Match)).all() == []
    # Publishing matches it at once and tells the provider, as a new posting would.
    r = client.post(f"/enterprise/needs/{need.id}/publish", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].endswith("?posted=1")
    session.expire_all()
    assert session.get(Need, need.id).status == "open"
    assert session.exec(select(Match)).one().status == "proposed"
    told = session.exec(select(Notification).where(Notification.org_id == world["prov"].id)).one()
    assert told.title.startswith("新需求「视觉检测（改）」与您的服务")  # one message per event (issue 11.7)
    r = client.post(f"/enterprise/needs/{need.id}/publish", data={"csrf_token": token})
    assert r.status_code == 409 and "该需求不是草稿，无需发布" in r.text


def matching_keys(client: TestClient) -> set[str]:
    index = client.app.state.index.index  # type: ignore[attr-defined]
    return {k for k, p in {**index.needs_.postings, **index.offers_.postings}.items() if p.is_open}


def test_draft_via_api_is_404_to_others_and_bad_drafts_change_nothing(client: TestClient, session: Session,
                                                                      world) -> None:  # type: ignore[no-untyped-def]
    token = login(client, world["puser"].username)
    h = {"X-CSRF-Token": token}
    r = client.post("/api/v1/offers", json={**OFFER, "draft": True}, headers=h)
    assert r.status_code == 201 and r.json()["status"] == "draft" and r.json()["recommendations"] == []
    offer_id = r.json()["id"]
    before = snapshot(session)
    r = client.post("/api/v1/offers", json={**OFFER, "title": "", "draft": True}, headers=h)
    assert r.status_code == 422 and r.json()["detail"] == "请填写标题"
    r = client.post(f"/api/v1/offers/{offer_id}/close", headers=h)
    assert r.status_code == 409 and r.json()["detail"] == "该服务是草稿，尚未发布，无需关闭"
    assert snapshot(session) == before
    # Another provider and the enterprise: 404 and 403, nothing changes.
    other = make_user(session, role="provider", org=make_org(session, kind="university"))
    client.cookies.clear()
    token = login(client, other.username)
    for path in (f"/api/v1/offers/{offer_id}", f"/provider/offers/{offer_id}"):
        assert client.get(path).status_code == 404
    r = client.post(f"/api/v1/offers/{offer_id}/publish", headers={"X-CSRF-Token": token})
    assert r.status_code == 404 and r.json()["detail"] == "未找到该服务"
    client.cookies.clear()
    token = login(client, world["user"].username)
    r = client.post("/api/v1/needs", json=NEED, headers={"X-CSRF-Token": token})
    assert r.json()["recommendations"] == []  # the draft offer is never recommended
    assert session.exec(select(Match)).all() == []
    r = client.post(f"/api/v1/offers/{offer_id}/publish", headers={"X-CSRF-Token": token})
    assert r.status_code == 403
    assert session.get(Offer, offer_id).status == "draft"
    # Staff do not see an unpublished draft either, neither by id nor in lists.
    client.cookies.clear()
    login(client, make_user(session, role="staff").username)
    assert client.get(f"/api/v1/offers/{offer_id}").status_code == 404
    assert offer_id not in [o["id"] for o in client.get("/api/v1/offers").json()["items"]]


def test_publishing_a_draft_past_its_deadline_is_refused(client: TestClient, session: Session,
                                                         world) -> None:  # type: ignore[no-untyped-def]
    token = login(client, world["user"].username)
    h = {"X-CSRF-Token": token}
    need_id = client.post("/api/v1/needs", json={**NEED, "draft": True}, headers=h).json()["id"]
    need = session.get(Need, need_id)
    need.deadline = default_today() - timedelta(days=1)
    session.add(need)
    session.commit()
    before = snapshot(session)
    r = client.post(f"/api/v1/needs/{need_id}/publish", headers=h)
    assert r.status_code == 409 and r.json()["detail"] == "该需求的截止日期已过，请先修改截止日期"
    assert snapshot(session) == before


def test_reopen_rematches_revives_withdrawn_proposals_without_renotifying(
        client: TestClient, session: Session, world) -> None:  # type: ignore[no-untyped-def]
    token = login(client, world["puser"].username)
    client.post("/api/v1/offers", json=OFFER, headers={"X-CSRF-Token": token})
    client.cookies.clear()
    token = login(client, world["user"].username)
    need_id = client.post("/api/v1/needs", json=NEED, headers={"X-CSRF-Token": token}).json()["id"]
    assert session.exec(select(Notification).where(Notification.org_id == world["prov"].id)).one()
    r = client.post(f"/enterprise/needs/{need_id}/reopen", data={"csrf_token": token})
    assert r.status_code == 409 and "该需求未关闭，无需重新开放" in r.text
    client.post(f"/enterprise/needs/{need_id}/close", data={"csrf_token": token, "confirmed": "1"})
    assert session.exec(select(Match)).one().status == "withdrawn"
    page = client.get(f"/enterprise/needs/{need_id}")
    assert "重新开放" in page.text
    r = client.post(f"/enterprise/needs/{need_id}/reopen", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].endswith("?reopened=1")
    assert "已重新开放" in client.get(r.headers["location"]).text
    session.expire_all()
    need = session.get(Need, need_id)
    match = session.exec(select(Match)).one()
    assert need.status == "open" and match.status == "proposed"
    last = session.exec(select(MatchEvent).order_by(MatchEvent.id.desc())).first()  # type: ignore[union-attr]
    assert last.to_status == "proposed" and last.note == "需求重新开放后恢复推荐"
    told = session.exec(select(Notification).where(Notification.org_id == world["prov"].id)).all()
    assert len(told) == 1  # the provider was told once only


def test_reopen_is_refused_after_the_deadline_and_for_others(client: TestClient, session: Session,
                                                             world) -> None:  # type: ignore[no-untyped-def]
    token = login(client, world["puser"].username)
    h = {"X-CSRF-Token": token}
    offer_id = client.post("/api/v1/offers", json=OFFER, headers=h).json()["id"]
    assert client.post(f"/api/v1/offers/{offer_id}/close", headers=h).json()["status"] == "withdrawn"
    offer = session.get(Offer, offer_id)
    offer.deadline = default_today() - timedelta(days=1)
    session.add(offer)
    session.commit()
    before = snapshot(session)
    r = client.post(f"/api/v1/offers/{offer_id}/reopen", headers=h)
    assert r.status_code == 409 and r.json()["detail"] == "该服务的截止日期已过，请先修改截止日期"
    assert "重新开放</button>" not in client.get(f"/provider/offers/{offer_id}").text
    other = make_user(session, role="provider", org=make_org(session, kind="university"))
    client.cookies.clear()
    token = login(client, other.username)
    r = client.post(f"/api/v1/offers/{offer_id}/reopen", headers={"X-CSRF-Token": token})
    assert r.status_code == 404 and r.json()["detail"] == "未找到该服务"
    r = client.post(f"/provider/offers/{offer_id}/reopen", data={"csrf_token": token})
    assert r.status_code == 404
    assert snapshot(session) == before and session.get(Offer, offer_id).status == "withdrawn"
    # Before the deadline the owner gets it back, with its recommendations.
    offer.deadline = default_today()
    session.add(offer)
    session.commit()
    client.cookies.clear()
    token = login(client, world["puser"].username)
    r = client.post(f"/api/v1/offers/{offer_id}/reopen", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["status"] == "open"

"""Retries are safe: a write repeated with the same Idempotency-Key (API) or form token (pages)
gets the first answer and writes nothing again; the answer is stored with the write or not at all."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select

from models import AuditLog, IdempotencyKey, Need, Organisation
from tests.factories import make_org, make_user
from tests.security.live import live_app
from tests.web.conftest import csrf_from, login
from web.security import idempotency
from web.security.purge import purge_expired
from web.services import audit

NEED = {"title": "工业机器人视觉检测技术攻关", "description": "需要基于AI视觉的零部件表面缺陷检测方案",
        "category": "技术攻关", "amount_wan": "50"}


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def csrf(client: TestClient, session: Session) -> str:
    org = make_org(session)
    make_user(session, org=org, username="idem-ent")
    return login(client, "idem-ent")


def _post(client: TestClient, csrf: str, key: str | None, body: dict | None = None) -> httpx.Response:
    headers: dict[str, str | bytes] = {"X-CSRF-Token": csrf}
    if key is not None:
        headers["Idempotency-Key"] = key.encode()  # UTF-8 on the wire when not ASCII
    return client.post("/api/v1/needs", json=body or NEED, headers=headers)


def test_a_repeated_key_returns_the_first_answer_and_writes_once(client: TestClient, csrf: str,
                                                                 session: Session) -> None:
    first = _post(client, csrf, "need-0001")
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = _post(client, csrf, "need-0001")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content and again.headers["content-type"] == first.headers["content-type"]
    assert _count(session, Need) == 1
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "need.create")).all()) == 1
    assert audit.verify_chain(session).ok
    # Without a key, a repeat is a new write, as before.
    assert _post(client, csrf, None).status_code == 201 and _post(client, csrf, None).status_code == 201
    assert _count(session, Need) == 3


def test_the_same_key_for_another_request_is_refused(client: TestClient, csrf: str, session: Session) -> None:
    assert _post(client, csrf, "k-1").status_code == 201
    other = _post(client, csrf, "k-1", {**NEED, "title": "另一条需求：产品外观设计"})
    assert other.status_code == 422 and other.json()["detail"].startswith("该幂等键已用于另一个请求")
    elsewhere = client.patch("/api/v1/me/organisation", json={"employees": 80},
                             headers={"X-CSRF-Token": csrf, "Idempotency-Key": "k-1"})
    assert elsewhere.status_code == 422
    assert _count(session, Need) == 1
    assert session.exec(select(Organisation.employees)).one() == 50


@pytest.mark.parametrize("key", ["", "x" * 201, "含中文的键", "has space"])
def test_a_malformed_key_is_refused(client: TestClient, csrf: str, session: Session, key: str) -> None:
    r = _post(client, csrf, key)
    assert r.status_code == 400 and r.json() == {"detail": idempotency.BAD_KEY}
    assert _count(session, Need) == 0


def test_keys_belong_to_their_user(client: TestClient, csrf: str, session: Session) -> None:
    assert _post(client, csrf, "shared-key").status_code == 201
    org2 = make_org(session)
    make_user(session, org=org2, username="idem-ent-2")
    client.cookies.clear()
    csrf2 = login(client, "idem-ent-2")
    r = _post(client, csrf2, "shared-key")
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert _count(session, Need) == 2


def test_an_error_is_not_kept_so_the_corrected_retry_runs(client: TestClient, csrf: str,
                                                         session: Session) -> None:
    bad = _post(client, csrf, "fix-me", {**NEED, "title": ""})
    assert bad.status_code == 422
    assert _count(session, IdempotencyKey) == 0
    good = _post(client, csrf, "fix-me")
    assert good.status_code == 201 and _count(session, Need) == 1


def test_patch_is_idempotent_too(client: TestClient, csrf: str, session: Session) -> None:
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "patch-1"}
    first = client.patch("/api/v1/me/organisation", json={"employees": 81}, headers=headers)
    again = client.patch("/api/v1/me/organisation", json={"employees": 81}, headers=headers)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "organisation.update")).all()) == 1


def test_answer_and_write_are_stored_together_or_not_at_all(client: TestClient, csrf: str, session: Session,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The database fails at the commit that would store both: the client is told to retry,
    nothing was written, and the retry with the same key writes once."""
    real = idempotency.DeferredCommitSession.commit_now

    def failing(self: idempotency.DeferredCommitSession) -> None:
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(idempotency.DeferredCommitSession, "commit_now", failing)
    lost = _post(client, csrf, "retry-me")
    assert lost.status_code == 503 and "请稍后用同一幂等键重试" in lost.json()["detail"]
    assert _count(session, Need) == 0 and _count(session, IdempotencyKey) == 0
    assert _count(session, AuditLog) == 1  # the login only
    monkeypatch.setattr(idempotency.DeferredCommitSession, "commit_now", real)
    ok = _post(client, csrf, "retry-me")
    assert ok.status_code == 201 and _count(session, Need) == 1
    assert _post(client, csrf, "retry-me").headers["idempotent-replayed"] == "true"
    assert _count(session, Need) == 1 and audit.verify_chain(session).ok


def test_expired_answers_are_forgotten_and_purged(client: TestClient, csrf: str, session: Session) -> None:
    assert _post(client, csrf, "old-key").status_code == 201
    row = session.exec(select(IdempotencyKey)).one()
    assert row.expires_at - row.created_at == timedelta(hours=24)
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.add(row)
    session.commit()
    again = _post(client, csrf, "old-key")
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert _count(session, Need) == 2
    row = session.exec(select(IdempotencyKey)).one()
    purged = purge_expired(session, now=row.expires_at + timedelta(seconds=1), session_retention_days=7,
                           login_log_retention_days=180)
    assert purged.idempotency_keys == 1 and _count(session, IdempotencyKey) == 0


def test_a_double_submitted_form_writes_once(client: TestClient, csrf: str, session: Session) -> None:
    page = client.get("/enterprise/needs/new").text
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token, "the new-need form carries a one-time token"
    form = {"title": NEED["title"], "description": NEED["description"], "category": "技术攻关",
            "budget_wan": "50", "csrf_token": csrf_from(page), "form_token": token.group(1)}
    first = client.post("/enterprise/needs", data=form, follow_redirects=False)
    second = client.post("/enterprise/needs", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert _count(session, Need) == 1
    # A fresh render carries a fresh token: posting the form again on purpose is a new need.
    fresh = client.get("/enterprise/needs/new").text
    assert re.search(r'name="form_token" value="([^"]+)"', fresh).group(1) != token.group(1)  # type: ignore[union-attr]
    changed = client.post("/enterprise/needs", data={**form, "title": "另一条需求"}, follow_redirects=False)
    assert changed.status_code == 422 and "该表单已经提交过" in changed.text


def test_parallel_requests_with_one_key_write_once(engine, session: Session) -> None:  # type: ignore[no-untyped-def]
    """Eight clients send the same key at the same moment to a real server: one write, eight
    identical answers."""
    org = make_org(session)
    make_user(session, org=org, username="idem-par")
    with live_app(engine) as base:
        # A generous timeout, as for the eight below: a stall of the shared CI machine is not a
        # finding, while a deadlock still fails the test.
        with httpx.Client(base_url=base, timeout=60) as c:
            token = csrf_from(c.get("/login").text)
            c.post("/login", data={"username": "idem-par", "password": "Passw0rd-test", "csrf_token": token})
            csrf = csrf_from(c.get("/enterprise/needs/new").text)
            cookies = dict(c.cookies)
        answers: list[httpx.Response] = []
        barrier = threading.Barrier(8)

        def send() -> None:
            with httpx.Client(base_url=base, cookies=cookies, timeout=60) as c2:
                barrier.wait()
                answers.append(c2.post("/api/v1/needs", json=NEED,
                                       headers={"X-CSRF-Token": csrf, "Idempotency-Key": "same-moment"}))

        threads = [threading.Thread(target=send) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.content for a in answers}) == 1
    assert sum("idempotent-replayed" not in a.headers for a in answers) == 1
    assert _count(session, Need) == 1
    assert len(session.exec(select(AuditLog).where(col(AuditLog.action) == "need.create")).all()) == 1

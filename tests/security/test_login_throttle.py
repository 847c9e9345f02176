"""Login throttling: by pair, address and account, growing delays, atomic under parallel load."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from models import AuditLog, AuditPersonal, LoginAttempt, User
from tests.factories import PASSWORD, make_user
from tests.web.conftest import csrf_from, login
from web.security.throttle import ACCOUNT, ADDRESS, PAIR, LoginThrottled
from web.services.accounts import auth, users
from web.services.errors import NotAuthenticated

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _try(engine: Engine, username: str, password: str, *, ip: str = "10.0.0.1",
         at: datetime = T0) -> str:
    """One login with a fake clock: 'ok', 'wrong', 'disabled' or 'wait N'."""
    with Session(engine) as s:
        try:
            auth.login(s, username=username, password=password, ip=ip, now=at)
        except LoginThrottled as exc:
            return f"wait {exc.wait_seconds}"
        except auth.AccountDisabled:
            return "disabled"
        except NotAuthenticated:
            return "wrong"
    return "ok"


def test_delays_grow_per_pair_instead_of_a_hard_lock(engine: Engine, session: Session) -> None:
    u = make_user(session).username
    assert [_try(engine, u, "nope") for _ in range(PAIR.free + 1)] == ["wrong"] * (PAIR.free + 1)
    # Every further attempt waits 1, 2, 4, 8 … seconds after the last one.
    at, waits = T0, []
    for _ in range(5):
        outcome = _try(engine, u, "nope", at=at)
        assert outcome.startswith("wait")
        waits.append(int(outcome.split()[1]))
        at += timedelta(seconds=waits[-1])
        assert _try(engine, u, "nope", at=at) == "wrong"
    assert waits == [1, 2, 4, 8, 16]
    # After waiting, the right password gets in and clears the pair.
    at += timedelta(seconds=32)
    assert _try(engine, u, PASSWORD, at=at) == "ok"
    assert _try(engine, u, "nope", at=at) == "wrong"


def test_delay_never_exceeds_its_cap(engine: Engine, session: Session) -> None:
    u = make_user(session).username
    at = T0
    for _ in range(40):
        outcome = _try(engine, u, "nope", at=at)
        if outcome.startswith("wait"):
            assert int(outcome.split()[1]) <= PAIR.cap
            at += timedelta(seconds=int(outcome.split()[1]))
    assert _try(engine, u, PASSWORD, at=at + timedelta(seconds=PAIR.cap)) == "ok"


def test_another_address_is_not_held_up_by_a_guesser(engine: Engine, session: Session) -> None:
    u = make_user(session).username
    for _ in range(PAIR.free + 1):
        _try(engine, u, "nope", ip="203.0.113.9")
    assert _try(engine, u, "nope", ip="203.0.113.9").startswith("wait")
    assert _try(engine, u, PASSWORD, ip="10.1.1.1") == "ok"


def test_many_addresses_on_one_account_slow_it_for_at_most_a_minute(engine: Engine, session: Session) -> None:
    u = make_user(session).username
    for i in range(ACCOUNT.free + 1):
        assert _try(engine, u, "nope", ip=f"198.51.100.{i}") == "wrong"
    outcome = _try(engine, u, PASSWORD, ip="10.9.9.9")
    assert outcome.startswith("wait") and int(outcome.split()[1]) <= ACCOUNT.cap
    assert _try(engine, u, PASSWORD, ip="10.9.9.9", at=T0 + timedelta(seconds=ACCOUNT.cap)) == "ok"


def test_password_spraying_from_one_address_is_slowed(engine: Engine, session: Session) -> None:
    names = [make_user(session).username for _ in range(ADDRESS.free + 2)]
    outcomes = [_try(engine, name, "Spring-2026", ip="192.0.2.7") for name in names]
    assert outcomes[:ADDRESS.free] == ["wrong"] * ADDRESS.free
    assert outcomes[-1].startswith("wait")
    # A real user elsewhere is untouched.
    assert _try(engine, names[-1], PASSWORD, ip="10.2.2.2") == "ok"


def test_quiet_keys_are_forgiven(engine: Engine, session: Session) -> None:
    u = make_user(session).username
    for _ in range(PAIR.free + 1):
        _try(engine, u, "nope")
    assert _try(engine, u, "nope").startswith("wait")
    later = T0 + timedelta(minutes=16)
    assert [_try(engine, u, "nope", at=later) for _ in range(PAIR.free)] == ["wrong"] * PAIR.free


def test_a_disabled_account_is_told_so_only_with_the_right_password(engine: Engine, session: Session) -> None:
    u = make_user(session, is_active=False).username
    assert _try(engine, u, "nope") == "wrong"
    assert _try(engine, u, PASSWORD) == "disabled"


def test_an_admin_unlocks_an_account(engine: Engine, session: Session) -> None:
    admin = make_user(session, role="admin")
    victim = make_user(session)
    for _ in range(PAIR.free + 1):
        _try(engine, victim.username, "nope")
    assert _try(engine, victim.username, PASSWORD).startswith("wait")
    users.unlock_login(session, actor_id=admin.id or 0, user_id=victim.id or 0)
    assert _try(engine, victim.username, PASSWORD) == "ok"
    entry = session.exec(select(AuditLog).where(AuditLog.action == "user.unlock")).one()
    assert entry.actor_id == admin.id and entry.object_id == victim.id


@pytest.mark.parametrize("with_right_password", [False, True])
def test_parallel_guesses_are_counted_atomically(engine: Engine, session: Session,
                                                 with_right_password: bool) -> None:
    u = make_user(session).username
    passwords = ["wrong-guess"] * 30
    if with_right_password:
        passwords[len(passwords) // 2] = PASSWORD
    outcomes: list[str] = []
    start = threading.Barrier(len(passwords))

    def attempt(password: str) -> None:
        start.wait()
        outcomes.append(_try(engine, u, password))

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    evaluated = [o for o in outcomes if not o.startswith("wait")]
    # PAIR.free attempts go through at once, one more is let through and sets the first delay.
    # A right password evaluated before the delay gives the pair a fresh start, so at most one
    # more round gets through after it (which thread runs first is up to the scheduler).
    bound = PAIR.free + 1 if "ok" not in evaluated else 2 * (PAIR.free + 1)
    assert len(outcomes) == 30 and len(evaluated) <= bound and evaluated.count("ok") <= 1
    session.expire_all()
    assert len(session.exec(select(LoginAttempt)).all()) == len(evaluated)


def test_login_page_says_when_to_try_again(client: TestClient, session: Session,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The clock stands still, so a slow machine cannot outwait the one-second delay.
    frozen = datetime.now(UTC)

    class StoppedClock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return frozen

    monkeypatch.setattr(auth, "datetime", StoppedClock)
    u = make_user(session).username
    token = csrf_from(client.get("/login").text)
    codes = [client.post("/login", data={"username": u, "password": "nope", "csrf_token": token}).status_code
             for _ in range(PAIR.free + 2)]
    assert codes[:PAIR.free + 1] == [401] * (PAIR.free + 1) and codes[-1] == 429
    r = client.post("/login", data={"username": u, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "秒后再试" in r.text


def test_admin_page_shows_and_clears_the_limit(client: TestClient, session: Session) -> None:
    victim = make_user(session)
    admin = make_user(session, role="admin")
    token = csrf_from(client.get("/login").text)
    for _ in range(ACCOUNT.free + 1):
        client.post("/login", data={"username": victim.username, "password": "x", "csrf_token": token},
                    headers={"X-Forwarded-For": "1.2.3.4"})
    csrf = login(client, admin.username)
    page = client.get("/admin/users").text
    assert "登录受限" in page and f"/admin/users/{victim.id}/unlock" in page
    r = client.post(f"/admin/users/{victim.id}/unlock", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "登录受限" not in client.get("/admin/users").text
    r = client.post(f"/api/v1/users/{victim.id}/unlock", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["username"] == victim.username


def test_disabled_account_page_message(client: TestClient, session: Session) -> None:
    u = make_user(session, is_active=False).username
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"username": u, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 403 and "该账号已停用" in r.text
    assert session.exec(select(User).where(User.username == u)).one().last_login_at is None


def test_logins_failures_throttling_and_logouts_are_audited(client: TestClient, session: Session) -> None:
    user = make_user(session)
    token = csrf_from(client.get("/login").text)
    for _ in range(PAIR.free + 2):
        client.post("/login", data={"username": user.username, "password": "nope", "csrf_token": token})
    client.post("/login", data={"username": "nobody-here", "password": "nope", "csrf_token": token})
    with Session(client.app.state.engine) as s:  # type: ignore[attr-defined]
        users.unlock_login(s, actor_id=user.id or 0, user_id=user.id or 0)
    csrf = login(client, user.username)
    client.post("/logout", data={"csrf_token": csrf})
    session.expire_all()
    rows = session.exec(select(AuditLog).where(col(AuditLog.action).startswith("auth."))
                        .order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == (["auth.login_failed"] * (PAIR.free + 1) + ["auth.login_throttled",
                                        "auth.login_failed", "auth.login", "auth.logout"])
    # The typed username and the address are personal fields: kept beside each entry (erasable).
    personal = {p.audit_id: p for p in session.exec(select(AuditPersonal))}
    assert rows[0].actor_id == user.id and personal[rows[0].id].data["username"] == user.username
    assert personal[rows[0].id].user_id == user.id
    assert rows[-3].actor_id is None and personal[rows[-3].id].data["username"] == "nobody-here"
    assert all(personal[r.id].data["ip"] for r in rows) and not any("ip" in r.detail for r in rows)

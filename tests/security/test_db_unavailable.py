"""The database goes away: requests get a Chinese 503 at once (page or JSON, no traceback, no
hang), and the platform recovers by itself when the database returns.

The database here is our own relay in front of the test server (tests/security/tcp_proxy.py):
stopping it cuts the app's connections and refuses new ones, as a stopped server does; the
shared server itself is never touched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from models import Need
from models.db import make_engine
from tests.conftest import _truncate_all
from tests.factories import make_org, make_user
from tests.security.tcp_proxy import TcpProxy
from tests.web.conftest import login
from web.app import create_app
from web.settings import Settings

NEED = {"title": "数据库中断期间提交的需求", "description": "检验数据库不可用时的应答", "category": "技术攻关"}


@pytest.fixture
def pg(pg_engine: Engine) -> Engine:
    _truncate_all(pg_engine)
    with Session(pg_engine) as s:
        make_user(s, org=make_org(s), username="db-away")
    return pg_engine


@pytest.fixture
def relayed(pg: Engine) -> Iterator[tuple[TcpProxy, TestClient]]:
    proxy = TcpProxy((pg.url.host or "127.0.0.1", pg.url.port or 5432)).start()
    url = pg.url.set(host="127.0.0.1", port=proxy.port, query={"connect_timeout": "2"})
    url_text = url.render_as_string(hide_password=False)
    engine = make_engine(url_text)
    app = create_app(Settings(database_url=url_text, seed_on_start=False, mode="test"), engine=engine)
    with TestClient(app) as client:
        yield proxy, client
    proxy.stop()
    engine.dispose()


def bounded(call: Callable[[], Any], limit: float = 60) -> Any:
    """Run ``call`` in a thread; a request that does not come back at all fails the test (a
    guard against hanging, not a measurement)."""
    box: list[Any] = []
    worker = threading.Thread(target=lambda: box.append(call()), daemon=True)
    worker.start()
    worker.join(limit)
    assert box, "the request hung instead of answering"
    return box[0]


def _assert_503(response: Any, *, json: bool) -> None:
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "Traceback" not in response.text and "psycopg" not in response.text
    if json:
        assert response.json()["detail"].startswith("数据库暂时无法连接")
    else:
        assert "数据库暂时无法连接，请稍后再试" in response.text and "<html" in response.text


@pytest.mark.postgres
def test_database_away_gives_a_chinese_503_and_the_app_recovers(relayed: tuple[TcpProxy, TestClient],
                                                                pg: Engine) -> None:
    proxy, client = relayed
    csrf = login(client, "db-away")
    assert client.get("/enterprise").status_code == 200
    proxy.stop()  # the database goes away
    _assert_503(bounded(lambda: client.get("/enterprise")), json=False)
    _assert_503(bounded(lambda: client.get("/")), json=False)
    _assert_503(bounded(lambda: client.get("/api/v1/me")), json=True)
    _assert_503(bounded(lambda: client.post("/api/v1/needs", json=NEED, headers={"X-CSRF-Token": csrf})), json=True)
    keyed = bounded(lambda: client.post("/api/v1/needs", json=NEED,
                                        headers={"X-CSRF-Token": csrf, "Idempotency-Key": "sent-while-away"}))
    assert keyed.status_code == 503 and "没有写入任何内容" in keyed.json()["detail"]
    proxy.start()  # the database is back: no restart, no manual step
    assert client.get("/enterprise").status_code == 200
    retried = client.post("/api/v1/needs", json=NEED, headers={"X-CSRF-Token": csrf, "Idempotency-Key": "sent-while-away"})
    assert retried.status_code == 201
    with Session(pg) as s:
        assert s.exec(select(func.count()).select_from(Need)).one() == 1


@pytest.mark.postgres
def test_a_database_that_does_not_answer_times_out_into_a_503(relayed: tuple[TcpProxy, TestClient]) -> None:
    proxy, client = relayed
    login(client, "db-away")
    proxy.stop()
    proxy.blackhole = True  # connections are accepted and never answered
    proxy.start()
    _assert_503(bounded(lambda: client.get("/api/v1/me")), json=True)
    proxy.stop()
    proxy.blackhole = False
    proxy.start()
    assert client.get("/api/v1/me").status_code == 200


def test_a_busy_or_locked_database_is_a_503_too(client: TestClient, session: Session,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite the database is a file: "database is locked" past the busy timeout (or a disk
    gone away) is an OperationalError like a lost server, and gets the same answer."""
    from sqlalchemy.exc import OperationalError

    from web.services.organisations import records

    make_user(session, org=make_org(session), username="db-busy")
    csrf = login(client, "db-busy")

    def locked(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("UPDATE organisation", {}, Exception("database is locked"))

    monkeypatch.setattr(records, "get_organisation", locked)
    _assert_503(client.get("/enterprise/profile"), json=False)
    _assert_503(client.patch("/api/v1/me/organisation", json={"employees": 3}, headers={"X-CSRF-Token": csrf}),
                json=True)

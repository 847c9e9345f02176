"""A write takes SQLite's write lock at the handler's first query, not at the login lookup:
a POST the API refuses before its handler runs (a body without its fields) never takes it.
(The answer read back after the commit: tests/models/test_write_lock_span.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from tests.factories import make_org, make_user
from tests.web.conftest import login


@pytest.fixture
def immediate_begins(engine: Engine) -> Iterator[list[str]]:
    begun: list[str] = []

    def on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        begun.append(conn.get_execution_options().get("sqlite_begin", "IMMEDIATE"))

    event.listen(engine, "begin", on_begin)
    yield begun
    event.remove(engine, "begin", on_begin)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # SQLite's write lock (BEGIN IMMEDIATE)
def test_a_refused_write_never_takes_the_write_lock(client: TestClient, session: Session,
                                                    immediate_begins: list[str]) -> None:
    user = make_user(session, org=make_org(session))
    token = login(client, user.username)
    immediate_begins.clear()
    r = client.post("/api/v1/needs", headers={"X-CSRF-Token": token}, json=["不是对象"])
    assert r.status_code == 422
    assert "IMMEDIATE" not in immediate_begins, immediate_begins
    assert immediate_begins, "the login lookup read something"


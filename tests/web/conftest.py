"""App and client fixtures: the real app on the per-test database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import PASSWORD
from web.app import create_app
from web.settings import Settings

_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return Settings(database_url=str(engine.url), seed_on_start=False, mode="test",
                    match_in_background=False)


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine)
    with TestClient(app) as c:
        yield c


def csrf_from(html: str) -> str:
    found = _CSRF_INPUT.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the real form; return the session's CSRF token for later POSTs."""
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    return csrf_from(page.text)

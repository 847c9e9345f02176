"""Headers on every answer, no inline script, and a generic 500 page with a request id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_org, make_user
from tests.web.conftest import login
from web.app import create_app
from web.settings import Settings

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def _check_common(r) -> None:  # type: ignore[no-untyped-def]
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in \
        csp.split("script-src", 1)[1].split(";", 1)[0]
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"])
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "server" not in r.headers


def test_anonymous_answers_carry_the_headers_and_may_be_cached(client: TestClient) -> None:
    for path in ("/", "/login", "/api/v1/csrf-token", "/no-such-page"):
        r = client.get(path)
        _check_common(r)
        assert "no-store" not in r.headers.get("cache-control", ""), path


def test_logged_in_pages_are_not_stored(client: TestClient, session: Session) -> None:
    login(client, make_user(session, org=make_org(session)).username)
    for path in ("/enterprise", "/api/v1/me", "/inbox"):
        r = client.get(path)
        _check_common(r)
        assert r.headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/static/css/site.css").headers.get("cache-control", "")


def test_hsts_only_over_https(settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as https:
        assert https.get("/login").headers["strict-transport-security"].startswith("max-age=31536000")
    with TestClient(create_app(settings, engine=engine)) as http:
        assert "strict-transport-security" not in http.get("/login").headers


def test_templates_hold_no_inline_script_or_handler() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    found = [f"{p.relative_to(TEMPLATES)}: {m.group(0)}" for p in TEMPLATES.rglob("*.html")
             for pattern in (inline_script, handler) for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize("path", ["/api/v1/boom", "/boom"])
def test_a_server_error_shows_a_request_id_and_no_trace(settings: Settings, engine, path: str) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings, engine=engine)

    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_api_route(path, boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get(path, headers={"X-Request-ID": "trace-me-12345"})
    assert r.status_code == 500
    assert "trace-me-12345" in r.text and "服务器内部错误" in r.text
    assert "hunter2" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text


def test_serve_sends_no_server_banner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from web.cli import app as cli

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'z.db'}")
    monkeypatch.setenv("ZHENGQI_SEED_ON_START", "false")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    assert seen["server_header"] is False

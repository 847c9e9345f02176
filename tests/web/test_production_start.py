"""Production mode refuses to start without its settings; every mode refuses a forged Host."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from web.app import ConfigurationError, create_app
from web.cli import app as cli
from web.hosts import host_allowed
from web.settings import Settings

PG = "postgresql://zhengqi@127.0.0.1:5432/zhengqi"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "ZHENGQI_DATABASE_URL", "ZHENGQI_MODE", "ZHENGQI_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)


def test_production_on_the_defaults_names_both_missing_settings() -> None:
    problems = Settings(mode="production").production_problems()
    assert len(problems) == 2
    assert "DATABASE_URL" in problems[0] and "SQLite" in problems[0]
    assert "ZHENGQI_ALLOWED_HOSTS" in problems[1]


@pytest.mark.parametrize("hosts", ["*", "zhengqi.example,*", ""])
def test_production_refuses_a_wildcard_or_empty_host_list(hosts: str) -> None:
    problems = Settings(mode="production", database_url=PG, allowed_hosts=hosts).production_problems()
    assert problems and "ZHENGQI_ALLOWED_HOSTS" in problems[0]


def test_production_with_its_settings_starts_and_demo_needs_none() -> None:
    assert Settings(mode="production", database_url=PG,
                    allowed_hosts="zhengqi.example").production_problems() == []
    assert Settings().production_problems() == []


def test_create_app_refuses_production_without_settings() -> None:
    with pytest.raises(ConfigurationError) as caught:
        create_app(Settings(mode="production", database_url=PG))
    assert "ZHENGQI_ALLOWED_HOSTS" in str(caught.value)


def test_serve_says_in_chinese_what_is_missing_and_exits() -> None:
    result = CliRunner().invoke(cli, ["serve"], env={"ZHENGQI_MODE": "production"})
    assert result.exit_code == 2
    assert "无法以生产模式启动" in result.output
    assert "DATABASE_URL" in result.output and "ZHENGQI_ALLOWED_HOSTS" in result.output


def test_allowed_hosts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGQI_ALLOWED_HOSTS", "Zhengqi.Example, *.hebei.example")
    assert Settings().allowed_hosts == ("zhengqi.example", "*.hebei.example")


@pytest.mark.parametrize(("host", "ok"), [
    ("zhengqi.example", True), ("ZHENGQI.example:8443", True), ("a.hebei.example", True),
    ("hebei.example", False), ("evil.example", False), ("zhengqi.example.evil.example", False),
    ("[::1]:8000", True), ("[::2]", False), ("", False),
])
def test_host_matching(host: str, ok: bool) -> None:
    assert host_allowed(host, ("zhengqi.example", "*.hebei.example", "[::1]")) is ok


def test_a_forged_host_is_refused_before_any_link_is_built(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", seed_on_start=False,
                              mode="test", allowed_hosts="zhengqi.example"))
    with TestClient(app, base_url="http://zhengqi.example") as client:
        own = client.get("/login")
        assert own.status_code == 200 and "http://zhengqi.example/static/" in own.text
        forged = client.get("/login", headers={"Host": "evil.example"})
        assert forged.status_code == 400
        assert "ZHENGQI_ALLOWED_HOSTS" in forged.text and "evil.example" not in forged.text
        redirect = client.get("/enterprise", headers={"Host": "evil.example"}, follow_redirects=False)
        assert redirect.status_code == 400 and "location" not in redirect.headers

"""The purge: sessions and login records past their retention go; the audit log never does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from models import AuditLog, LoginAttempt, UserSession, audit_chain
from tests.factories import make_user
from web.cli import app as cli
from web.security.purge import purge_expired
from web.services import audit
from web.settings import Settings

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _arrange(session: Session) -> None:
    user = make_user(session)
    for days in (400, 200, 181, 179, 1):
        session.add(LoginAttempt(username="someone", ip="10.0.0.1", created_at=NOW - timedelta(days=days)))
        audit_chain.append(session, AuditLog(action="auth.login", object_type="user",
                                             created_at=NOW - timedelta(days=days)))
    session.add(UserSession(id="old", user_id=user.id, csrf_token="x", expires_at=NOW - timedelta(days=30)))
    session.add(UserSession(id="live", user_id=user.id, csrf_token="y", expires_at=NOW + timedelta(hours=1)))
    session.commit()


def test_purge_keeps_six_months_of_login_records_and_every_audit_entry(session: Session) -> None:
    _arrange(session)
    purged = purge_expired(session, now=NOW, session_retention_days=7, login_log_retention_days=180)
    assert (purged.sessions, purged.login_attempts) == (1, 3)
    kept = sorted((NOW - a.created_at).days for a in session.exec(select(LoginAttempt)))
    assert kept == [1, 179]
    assert session.exec(select(UserSession.id)).all() == ["live"]
    assert len(session.exec(select(AuditLog)).all()) == 5  # 400 days old included
    assert audit.verify_chain(session).ok
    assert "审计日志不清理" in purged.report()


def test_a_shorter_login_record_retention_is_refused(session: Session) -> None:
    with pytest.raises(ValidationError):
        Settings(login_log_retention_days=30)
    _arrange(session)
    # Called directly with less, the purge still keeps 180 days.
    purged = purge_expired(session, now=NOW, session_retention_days=7, login_log_retention_days=1)
    assert purged.login_attempts == 3
    assert sorted((NOW - a.created_at).days for a in session.exec(select(LoginAttempt))) == [1, 179]


def test_purge_command(engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    session.add(LoginAttempt(username="old", created_at=datetime.now(UTC) - timedelta(days=365)))
    session.commit()
    result = CliRunner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "过期登录记录 1 条" in result.output
    assert session.exec(select(LoginAttempt)).all() == []

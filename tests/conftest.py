"""Database fixtures shared by every test folder.

Each DB test runs twice: on a fresh SQLite file and on PostgreSQL. The PostgreSQL
server is TEST_DATABASE_URL (default: the local server at 127.0.0.1:5432, database
`test`). If it does not answer, the PostgreSQL half is skipped on a laptop, but fails
when ZHENGQI_REQUIRE_POSTGRES=1 (as .ci/run sets it), so CI can never skip it silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

import models  # noqa: F401
from models.db import autocommit_engine, make_engine
from models.migrate import upgrade
from web.presentation import times

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("ZHENGQI_REQUIRE_POSTGRES") == "1"


def _pg_available() -> str | None:
    try:
        engine = make_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001  (any connection failure means "no server")
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name("template.db-wal").exists()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    problem = _pg_available()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (ZHENGQI_REQUIRE_POSTGRES=1) but {PG_URL} failed: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database: a fresh SQLite file, or a truncated PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("pg_engine")
        _truncate_all(eng)
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session for arranging and checking data. On SQLite it never holds a
    transaction open (autocommit), so it cannot block the app under test."""
    with Session(autocommit_engine(engine)) as s:
        yield s


# 17:30 UTC on 2 December is 01:30 on 3 December in Beijing: a server clock on UTC is a day behind.
AFTER_MIDNIGHT = datetime(2030, 12, 2, 17, 30, tzinfo=UTC)


@pytest.fixture
def beijing_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Freeze the platform's clock (web.presentation.times.now) at AFTER_MIDNIGHT; Beijing's date then."""
    monkeypatch.setattr(times, "now", lambda tz: AFTER_MIDNIGHT.astimezone(tz))
    return date(2030, 12, 3)

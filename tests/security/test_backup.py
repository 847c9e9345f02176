"""Backup and restore: a round trip into an empty database gives back every table row for row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

from models.db import make_engine
from models.migrate import upgrade
from tests.factories import make_user
from web.cli import app as cli
from web.security.backup import BackupError, backup, restore
from web.services import audit
from web.services.accounts import auth
from web.services.seed import load_demo


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
        out["alembic_version"] = [tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return out


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def target(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind to restore into (PostgreSQL: the test database's
    name with ``_restore``, created if missing, its schema emptied)."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url = engine.url.set(database=f"{engine.url.database}_restore")
    admin = make_engine(_url(engine)).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first():
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    restored = make_engine(url.render_as_string(hide_password=False))
    with restored.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    restored.dispose()
    yield url.render_as_string(hide_password=False)


@pytest.fixture
def populated(engine: Engine, session: Session, small_demo_dir: Path) -> Engine:
    load_demo(engine, data_dir=small_demo_dir, mode="demo")
    make_user(session, username="backup-user")
    auth.login(session, username="backup-user", password="Passw0rd-test", ip="10.9.8.7")
    return engine


@pytest.mark.parametrize("migrated_first", [False, True], ids=["blank", "migrated"])
def test_round_trip_restores_every_table_row_for_row(populated: Engine, target: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     migrated_first: bool) -> None:
    before = snapshot(populated)
    assert before["need"] and before["auditlog"] and before["auditpersonal"]
    out = tmp_path / "backups" / "zhengqi.backup"
    monkeypatch.setenv("DATABASE_URL", _url(populated))
    made = CliRunner().invoke(cli, ["backup", str(out)])
    assert made.exit_code == 0, made.output
    assert "已备份" in made.output and out.stat().st_size > 0
    assert not list(out.parent.glob("*.partial"))

    restored = make_engine(target)
    if migrated_first:  # `zhengqi migrate` on the new server before the restore
        upgrade(restored)
    monkeypatch.setenv("DATABASE_URL", target)
    done = CliRunner().invoke(cli, ["restore", str(out)])
    assert done.exit_code == 0, done.output
    assert "已恢复" in done.output and "审计链完整" in done.output
    assert snapshot(restored) == before
    with Session(restored) as s:
        assert audit.verify_chain(s).ok

    # A second restore meets a database that holds data: refused, and nothing changes...
    again = CliRunner().invoke(cli, ["restore", str(out)])
    assert again.exit_code == 2 and "目标数据库不是空的" in again.output and "--force" in again.output
    assert snapshot(restored) == before
    # ...unless forced.
    forced = CliRunner().invoke(cli, ["restore", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert snapshot(restored) == before
    restored.dispose()


def test_restore_refuses_files_that_are_not_backups_of_its_kind(engine: Engine, target: str,
                                                               tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    with pytest.raises(BackupError, match="不是 zhengqi backup 生成的备份"):
        restore(target, junk)
    other = tmp_path / "other.backup"
    if engine.dialect.name == "sqlite":
        other.write_bytes(b"PGDMP" + b"\0" * 100)
        expected = "备份是 postgresql 格式，而 DATABASE_URL 指向 sqlite"
    else:
        other.write_bytes(b"SQLite format 3\x00" + b"\0" * 100)
        expected = "备份是 sqlite 格式，而 DATABASE_URL 指向 postgresql"
    with pytest.raises(BackupError, match=expected):
        restore(target, other)
    with pytest.raises(BackupError, match="备份文件不存在"):
        restore(target, tmp_path / "missing.backup")


def test_missing_postgresql_tools_are_named_with_what_to_install(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump anywhere
    with pytest.raises(BackupError) as caught:
        backup("postgresql+psycopg://u:secret@127.0.0.1:1/none", tmp_path / "x.backup")
    assert "未找到 pg_dump" in caught.value.message and "apt install postgresql-client" in caught.value.message
    assert "secret" not in caught.value.message
    assert not (tmp_path / "x.backup").exists()

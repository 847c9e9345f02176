"""How long a write holds SQLite's only write lock: from its first query to its commit, and
not while the answer is read back afterwards (models.db.reads_only_from_now)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models import Organisation
from models.credit_code import make_credit_code
from models.db import make_engine, reads_only_from_now
from web.app import prepare_database
from web.settings import Settings


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    engine = make_engine(url)
    prepare_database(engine, Settings(database_url=url, seed_on_start=False, mode="test"))
    engine.dispose()
    return str(tmp_path / "lock.db")


def _other_writer_gets_the_lock(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:  # database is locked
        return False
    finally:
        other.close()


def _write_then_read(path: str, *, reads_only: bool) -> bool:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            session.add(Organisation(name="写锁测试", kind="enterprise", credit_code=make_credit_code("120105", 7)))
            session.commit()
            if reads_only:
                reads_only_from_now(session)
            session.exec(select(Organisation)).all()  # the answer is read back; transaction open
            return _other_writer_gets_the_lock(path)
    finally:
        engine.dispose()


def test_reading_back_after_the_commit_leaves_the_write_lock_free(sqlite_file: str) -> None:
    assert _write_then_read(sqlite_file, reads_only=True)


def test_without_it_the_read_back_holds_the_write_lock(sqlite_file: str) -> None:
    # The control: a write session's every transaction is BEGIN IMMEDIATE.
    assert not _write_then_read(sqlite_file, reads_only=False)


def test_an_open_transaction_keeps_its_connection(sqlite_file: str) -> None:
    """A keyed write's transaction stays open until its answer is stored: switching the bind
    then would put the answer's INSERT on a second connection that waits on the first."""
    engine = make_engine(f"sqlite:///{sqlite_file}")
    try:
        with Session(engine) as session:
            session.add(Organisation(name="未提交", kind="enterprise", credit_code=make_credit_code("120105", 8)))
            session.flush()
            reads_only_from_now(session)
            assert session.get_bind() is engine
            session.add(Organisation(name="同一事务", kind="enterprise", credit_code=make_credit_code("120105", 9)))
            session.commit()
        with Session(engine) as session:
            assert len(session.exec(select(Organisation)).all()) == 2
    finally:
        engine.dispose()

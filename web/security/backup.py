"""Backup and restore (`zhengqi backup OUT`, `zhengqi restore IN`).

SQLite is copied with its online backup API: a consistent snapshot while the platform keeps
running. PostgreSQL goes through ``pg_dump``/``pg_restore`` in their custom format, found on
PATH. A backup is written to a temporary file beside OUT and renamed when complete, so OUT is
never half-written. A restore refuses a database that holds any rows unless forced, and on
PostgreSQL runs in one transaction: it either lands whole or changes nothing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, make_url, text

from models.db import make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
INSTALL_HINT = ("请安装与数据库服务器主版本一致的 PostgreSQL 客户端工具（Debian/Ubuntu：apt install postgresql-client；"
                "其他系统见 https://www.postgresql.org/download/），并确认其在 PATH 中 / "
                "install the PostgreSQL client tools of the server's major version "
                "(Debian/Ubuntu: apt install postgresql-client) and put them on PATH")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese and English."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outcome:
    path: Path
    kind: str  # "sqlite" | "postgresql"
    size: int

    def report(self, verb: str) -> str:
        return f"{verb}：{self.path}（{'SQLite' if self.kind == 'sqlite' else 'PostgreSQL'}，{self.size:,} 字节）"


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型 {backend} / unsupported database: {backend}")
    return backend


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份或恢复 / an in-memory database cannot be backed up or restored")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"未找到 {name} / {name} not found on PATH。{INSTALL_HINT}")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password (it goes in PGPASSWORD, never in argv)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(argv[0]).name} 失败 / failed（退出码 {done.returncode}）：" + " | ".join(detail[-5:]))


def backup(url: str, out: Path) -> Outcome:
    """Write a backup of the database at ``url`` to ``out``."""
    kind = _kind(url)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if kind == "sqlite":
            source = _sqlite_path(url)
            if not source.exists():
                raise BackupError(f"数据库文件不存在 / no such database file: {source}")
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # the online backup API: a consistent snapshot, writers go on
                _check_sqlite(dst)
            finally:
                dst.close()
                src.close()
        else:
            target, env = _libpq(url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={partial}", f"--dbname={target}"], env)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(out, kind, out.stat().st_size)


def _check_sqlite(conn: sqlite3.Connection) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"SQLite 完整性检查未通过 / integrity check failed: {result}")


def rows_held(url: str) -> dict[str, int]:
    """Tables of the database at ``url`` that hold rows (the migration table aside)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
            counts = {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}
    finally:
        engine.dispose()
    return {n: c for n, c in counts.items() if c}


def _magic(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(16)


def restore(url: str, source: Path, *, force: bool = False) -> Outcome:
    """Restore the backup ``source`` into the database at ``url``; a database holding any rows
    is refused unless ``force``."""
    kind = _kind(url)
    if not source.is_file():
        raise BackupError(f"备份文件不存在 / no such backup file: {source}")
    head = _magic(source)
    found = "sqlite" if head.startswith(SQLITE_MAGIC) else "postgresql" if head.startswith(PG_DUMP_MAGIC) else None
    if found is None:
        raise BackupError(f"{source} 不是 zhengqi backup 生成的备份 / is not a backup made by zhengqi backup")
    if found != kind:
        raise BackupError(f"备份是 {found} 格式，而 DATABASE_URL 指向 {kind} / the backup is {found}, the database {kind}")
    if kind == "sqlite":
        target = _sqlite_path(url)
        src = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
        try:
            _check_sqlite(src)
            if not src.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
                raise BackupError(f"{source} 不是本平台的数据库备份 / is not a zhengqi database")
        except BackupError:
            src.close()
            raise
    if not force and (held := rows_held(url)):
        tables = "、".join(f"{n}（{c} 行）" for n, c in sorted(held.items())[:5])
        raise BackupError(f"目标数据库不是空的：{tables}{' 等' if len(held) > 5 else ''}。恢复会覆盖这些数据；"
                          "确认无误请加 --force / the target database is not empty; add --force to overwrite it")
    if kind == "sqlite":
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # page by page: the target becomes exactly the backup
            _check_sqlite(dst)
        finally:
            dst.close()
            src.close()
        return Outcome(target, kind, target.stat().st_size)
    target_url, env = _libpq(url)
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--clean", "--if-exists",
          "--single-transaction", "--exit-on-error", f"--dbname={target_url}", str(source)], env)
    return Outcome(source, kind, source.stat().st_size)

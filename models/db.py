"""Engine factory: SQLite (default) or PostgreSQL, from a URL given by the caller."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A PostgreSQL server that does not answer (host gone, packets dropped) fails a connection
# after this long instead of the operating system's minutes, so a request gets its 503 quickly.
PG_CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, *, echo: bool = False, connect_timeout: int = PG_CONNECT_TIMEOUT_SECONDS) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE;
    PostgreSQL a connect timeout (unless the URL names one) and a liveness check per checkout."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
        return engine
    # pool_pre_ping: a connection that died while the server was away is replaced, not used,
    # so the platform recovers by itself when the database returns.
    connect_args = {} if "connect_timeout" in url else {"connect_timeout": connect_timeout}
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN until the first write, so two
    # writers that both read first deadlock on lock upgrade ("database is locked").
    # Taking the write lock up front (BEGIN IMMEDIATE) makes the second writer wait
    # for the busy timeout instead. This is SQLAlchemy's documented pysqlite recipe.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode != "AUTOCOMMIT":
            conn.exec_driver_sql(f"BEGIN {mode}")


def read_engine(engine: Engine) -> Engine:
    """The same engine for read-only work: on SQLite a deferred BEGIN, so a long read
    never holds the write lock (WAL readers see a snapshot); a no-op elsewhere."""
    return engine.execution_options(sqlite_begin="DEFERRED")


def reads_only_from_now(session: Session) -> None:
    """After a write has committed: the session's next transactions only read, so on SQLite
    the answer built from them does not take the write lock again (a no-op elsewhere).

    A session whose transaction is still open (a keyed write commits only at the end) keeps
    its bind: a second connection in that transaction would wait on the first one's lock."""
    bind = session.get_bind()
    if isinstance(bind, Engine) and not session.in_transaction():
        session.bind = read_engine(bind)


def autocommit_engine(engine: Engine) -> Engine:
    """On SQLite, no BEGIN at all: each statement commits itself (tests, scripts)."""
    return engine.execution_options(sqlite_begin="AUTOCOMMIT")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for scripts and the CLI; callers commit themselves."""
    with Session(engine) as session:
        yield session

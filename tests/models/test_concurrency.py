"""Concurrent writers: threads and processes writing through separate sessions at once.

Each write reads first and then inserts, the pattern that makes SQLite's deferred
transactions fail with "database is locked"; BEGIN IMMEDIATE plus the busy timeout
(models.db) must make every writer wait its turn instead.
"""

from __future__ import annotations

import multiprocessing
import threading

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from models import Organisation
from models.credit_code import make_credit_code
from models.db import make_engine

WRITES = 25


def _write_many(engine: Engine, worker: int, writes: int = WRITES) -> None:
    for i in range(writes):
        with Session(engine) as session:
            before = session.exec(select(func.count()).select_from(Organisation)).one()
            session.add(Organisation(
                name=f"并发写入{worker}-{i}", kind="enterprise",
                credit_code=make_credit_code("120105", 10_000 * worker + i),
                description=f"写入时已有 {before} 家",
            ))
            session.commit()


def _process_worker(url: str, worker: int) -> None:
    engine = make_engine(url)
    try:
        _write_many(engine, worker)
    finally:
        engine.dispose()


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Organisation)).one()


def test_threads_write_at_once(engine: Engine) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def run(worker: int) -> None:
        try:
            barrier.wait()
            _write_many(engine, worker)
        except BaseException as exc:  # noqa: BLE001  (reported by the assert below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _count(engine) == 6 * WRITES


def test_processes_write_at_once(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_worker, args=(url, w)) for w in range(1, 5)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert _count(engine) == 4 * WRITES

"""The servers under test (the platform and a bare FastAPI app) and their fresh databases."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI

from web.bench_load.client import HOST

# The reference: the least a FastAPI app costs per request on this machine.
bare_app = FastAPI()


@bare_app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}


CHECKOUT = Path(__file__).resolve().parents[2]  # the checkout this benchmark runs from


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``uvicorn APP --workers N`` on a free loopback port, stopped by its own pid."""

    def __init__(self, app: str, *, workers: int, env: dict[str, str], ready_path: str,
                 checkout: Path = CHECKOUT) -> None:
        self.port, self.ready_path = _free_port(), ready_path
        # `python -m` puts the working directory first on the path: ``checkout``'s code is served.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(self.port),
             "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
            env={**os.environ, **env}, cwd=checkout)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"服务进程启动失败（退出码 {self.proc.returncode}）")
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as s:
                    s.sendall(f"GET {self.ready_path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
                              .encode())
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        time.sleep(1.0)  # let every worker finish its startup
                        return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("服务进程在限定时间内没有就绪")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and its worker processes.

        Unlike requests per second, CPU per request hardly moves when other programs share
        the machine, so runs on a busy machine can still be compared. Linux only (NaN elsewhere).
        """
        pids = [self.proc.pid]
        try:
            for pid in pids:  # grows while iterating: the supervisor's workers, then theirs
                pids.extend(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
            ticks = 0
            for pid in pids:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            return float("nan")
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- databases
def fresh_database(kind: str, postgres_url: str | None, workdir: Path, index_dir: Path) -> str:
    """A migrated database holding the demo data and an index version; returns its URL."""
    from models.db import make_engine
    from web.app import prepare_database
    from web.services.matching.worker import load_holder
    from web.settings import Settings

    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        if not postgres_url:
            raise SystemExit("PostgreSQL：请用 --postgres-url 或 BENCH_DATABASE_URL 指定 bench 开头的数据库")
        name = urlsplit(postgres_url).path.lstrip("/")
        if not name.startswith("bench"):
            raise SystemExit(f"拒绝清空数据库 {name!r}：基准测试只使用名字以 bench 开头的数据库")
        url = postgres_url
    settings = Settings(database_url=url)
    engine = make_engine(settings.sqlalchemy_url)
    if kind == "postgres":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    prepare_database(engine, settings)
    load_holder(engine, index_dir=index_dir)  # the index version the workers map, as `serve` does
    engine.dispose()
    return url


def wait_matched(url: str, timeout: float = 300) -> float:
    """Seconds until background matching has caught up with the change feed."""
    from sqlmodel import Session

    from models.db import make_engine, read_engine
    from web.services.matching import feed
    from web.settings import Settings

    engine = make_engine(Settings(database_url=url).sqlalchemy_url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            with Session(read_engine(engine)) as session:
                if feed.cursor(session) >= feed.head(session):
                    break
            time.sleep(0.1)
    finally:
        engine.dispose()
    return time.perf_counter() - started


class AnalyzeStandIn:
    """Where the PostgreSQL server runs without autovacuum (this development machine's does),
    ANALYZE the benchmark's database at the start and then every ``every`` seconds, as a
    default server's autovacuum (naptime 60 s) keeps the statistics of growing tables. Without
    fresh statistics the planner takes a table that has grown from the demo's hundreds of rows to
    tens of thousands for a small one (the review queue then joined and sorted every proposal:
    17.7 ms against 0.15 ms after ANALYZE). A no-op on SQLite and where autovacuum is on."""

    def __init__(self, url: str, every: float = 60.0) -> None:
        self.url, self.every, self.runs = url, every, 0
        self.active = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.url.startswith("postgresql"):
            return
        import psycopg

        dsn = self.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as conn:
            self.active = conn.execute("SHOW autovacuum").fetchone()[0] == "off"
        if self.active:
            self._thread = threading.Thread(target=self._loop, args=(dsn,), daemon=True)
            self._thread.start()

    def _loop(self, dsn: str) -> None:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as conn:
            while True:
                conn.execute("ANALYZE")
                self.runs += 1
                if self._stop.wait(self.every):
                    return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

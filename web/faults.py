"""Fault run: SIGKILL platform workers in the middle of a stream of API writes, then check the
database against the ledger the clients kept.

    python -m web.faults --database-url URL [--writes 2000] [--kills 10] [--clients 4] [--workers 2] [--no-demo]

Clients post needs with an ``Idempotency-Key`` each and note every answer in a ledger. A
request whose answer never came (its worker died, or the server refused it meanwhile) is in
doubt: the client sends it again with the same key until it is answered, as a careful client
does. A kill takes one worker down with SIGKILL (uvicorn's supervisor starts another; with one
worker the whole server is killed and started again). At the end every ledger entry must be in
the database exactly once, with the content that was sent, its audit entry and its stored
answer, and the audit chain must verify; an answer that was acknowledged must name that row.
Needs only the standard library on the client side, so it runs against any installation.

    python -m web.faults --database-url URL --outage --stop "CMD" --start "CMD" [--away 20]

stops the database (a server of your own!) while a client keeps asking for a page and the
API: every answer meanwhile must be a Chinese 503, and the platform must answer again by
itself once the database is back.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Entry:
    key: str
    title: str
    description: str
    category: str
    amount: str
    need_id: int | None = None
    attempts: int = 0
    doubts: int = 0  # sends whose answer never came
    replayed: bool = False  # the answer came from the stored one: an earlier send had committed


@dataclass
class Report:
    database: str
    writes: int
    kills: int
    workers: int
    clients: int
    seconds: float = 0.0
    kills_done: int = 0
    in_doubt: int = 0
    committed_unanswered: int = 0  # in doubt, and had in fact been written: retried, not duplicated
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors

    def summary(self) -> str:
        verdict = "通过 / passed" if self.ok else "失败 / FAILED"
        return (f"{verdict}: {self.database}, {self.writes} writes, {self.kills_done} SIGKILLs, {self.workers} workers, "
                f"{self.clients} clients, {self.seconds:.1f} s; {self.in_doubt} sends in doubt, "
                f"{self.committed_unanswered} of them had committed without their answer (returned by key, "
                f"not written twice); lost 0 / duplicated 0 / half-written 0 unless listed below"
                + "".join(f"\n  - {p}" for p in (self.errors + self.problems)[:30]))


# ---------------------------------------------------------------- the server
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`zhengqi serve` in its own process group."""

    def __init__(self, url: str, workers: int, log: Path) -> None:
        self.url, self.workers, self.log = url, workers, log
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.url, "ZHENGQI_MODE": "test", "ZHENGQI_SEED_ON_START": "false"}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "web.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        _wait(lambda: _status(self.port, "/login") == 200, "server start")
        if self.workers > 1:
            _wait(lambda: len(self.worker_pids()) == self.workers, "workers start")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []
        pids = []
        for child in children:
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                pids.append(int(child))
        return pids

    def kill_one(self) -> None:
        """SIGKILL one worker (the supervisor starts another); a lone server is killed and restarted."""
        assert self.proc is not None
        if self.workers == 1:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.start()
            return
        before = self.worker_pids()
        victim = random.choice(before)
        os.kill(victim, signal.SIGKILL)
        _wait(lambda: victim not in self.worker_pids() and len(self.worker_pids()) == self.workers,
              "worker restart")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _wait(done: Any, what: str, limit: float = 180) -> None:
    deadline = time.monotonic() + limit  # a guard against waiting for ever, not a measurement
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _status(port: int, path: str) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


# ---------------------------------------------------------------- the clients
class Client:
    """One client: its own keep-alive connection, the logged-in cookies."""

    def __init__(self, port: int, cookie: str, csrf: str) -> None:
        self.port, self.cookie, self.csrf = port, cookie, csrf
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def post(self, path: str, body: dict[str, Any], key: str) -> tuple[int, dict[str, str], bytes] | None:
        """The answer, or None when it never came (connection cut, refused, timed out)."""
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("POST", path, body=json.dumps(body).encode(), headers={
                "Content-Type": "application/json", "Cookie": self.cookie, "X-CSRF-Token": self.csrf,
                "Idempotency-Key": key})
            r = self.conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None


def login(port: int, username: str, password: str) -> tuple[str, str]:
    """Log in through the form; return the Cookie header and the session's CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    r = conn.getresponse()
    page = r.read().decode()
    anon = _cookies(r.getheaders())
    token = _CSRF.search(page).group(1)  # type: ignore[union-attr]
    form = urlencode({"username": username, "password": password, "csrf_token": token})
    conn.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(anon)})
    r = conn.getresponse()
    r.read()
    cookies = {**anon, **_cookies(r.getheaders())}
    header = _cookie_header(cookies)
    conn.request("GET", "/enterprise/needs/new", headers={"Cookie": header})
    r = conn.getresponse()
    csrf = _CSRF.search(r.read().decode()).group(1)  # type: ignore[union-attr]
    conn.close()
    return header, csrf


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    out = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            k, _, rest = value.partition("=")
            out[k] = rest.split(";", 1)[0]
    return out


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# ---------------------------------------------------------------- the run
def _demo_needs() -> list[dict[str, Any]]:
    from seed_data.loader import DEMO_DIR

    lines = (DEMO_DIR / "needs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def prepare(url: str, tag: str, *, demo: bool = False) -> tuple[str, str]:
    """Migrate (with ``demo``, load the demo data into an empty database: offers to match
    against), and add one enterprise account for the load; returns its username and password."""
    from models import Organisation
    from models.credit_code import make_credit_code
    from models.db import make_engine
    from models.migrate import upgrade
    from web.services.accounts import auth

    engine = make_engine(url)
    upgrade(engine)
    if demo:
        from web.services.seed import seed_if_empty

        seed_if_empty(engine, mode="demo")
    username, password = f"fault-{tag}", f"Fault-{secrets.token_hex(8)}"
    with Session(engine) as s:
        org = Organisation(name=f"故障演练机构{tag}", kind="enterprise",
                           credit_code=make_credit_code("120105", random.randrange(100000, 999999)),
                           contact_name="演练", contact_phone="022-26000000")
        s.add(org)
        s.flush()
        auth.create_user(s, username=username, password=password, role="enterprise", org_id=org.id)
        s.commit()
    engine.dispose()
    return username, password


def run(url: str, *, writes: int, kills: int, clients: int = 4, workers: int = 2,
        workdir: Path | None = None, demo: bool = False) -> Report:
    """Stream ``writes`` keyed writes through ``clients`` clients, SIGKILL a worker ``kills``
    times along the way, retry what is in doubt, then check the database against the ledger."""
    from sqlalchemy import make_url

    tag = secrets.token_hex(4)
    workdir = workdir or Path(tempfile.mkdtemp(prefix="zhengqi-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report = Report(database=make_url(url).get_backend_name(), writes=writes, kills=kills,
                    workers=workers, clients=clients)
    username, password = prepare(url, tag, demo=demo)
    texts = _demo_needs()  # real need texts, so each write does a realistic matching job
    ledger = [Entry(key=f"{tag}-{i:06d}", title=f"故障演练{tag}需求{i:06d}",
                    description=f"{texts[i % len(texts)]['title']}：{texts[i % len(texts)]['description']}",
                    category=texts[i % len(texts)]["category"], amount=str(10 + i % 90))
                for i in range(writes)]
    server = Server(url, workers, workdir / "server.log")
    started = time.monotonic()
    server.start()
    try:
        cookie, csrf = login(server.port, username, password)
        todo: queue.Queue[Entry] = queue.Queue()
        for e in ledger:
            todo.put(e)
        acked = threading.Semaphore(0)
        lock = threading.Lock()
        done_count = [0]
        stop = threading.Event()

        def work() -> None:
            client = Client(server.port, cookie, csrf)
            try:
                _work(client)
            finally:
                client.close()

        def _work(client: Client) -> None:
            while not stop.is_set():
                try:
                    e = todo.get(timeout=0.2)
                except queue.Empty:
                    with lock:
                        if done_count[0] >= writes:
                            return
                    continue
                e.attempts += 1
                answer = client.post("/api/v1/needs", {"title": e.title, "description": e.description,
                                                       "category": e.category, "amount_wan": e.amount}, e.key)
                if answer is None or answer[0] in (502, 503, 504):
                    e.doubts += 1
                    time.sleep(0.2)
                    todo.put(e)  # in doubt: the same key again, later
                    continue
                status, headers, body = answer
                if status != 201:
                    with lock:
                        report.errors.append(f"{e.key}: unexpected {status} {body[:200]!r}")
                        done_count[0] += 1
                    continue
                e.need_id = json.loads(body)["id"]
                e.replayed = headers.get("idempotent-replayed") == "true"
                with lock:
                    done_count[0] += 1
                acked.release()

        threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
        step = max(1, writes // (kills + 1))
        for _ in range(kills):
            # A kill after every `step` acknowledged writes (the wait is only a guard).
            if not all(acked.acquire(timeout=300) for _ in range(step)):
                report.errors.append("writes stopped being acknowledged")
                break
            server.kill_one()
            report.kills_done += 1
        for t in threads:
            t.join()
    finally:
        stop.set()
        server.stop()
    report.seconds = time.monotonic() - started
    report.in_doubt = sum(1 for e in ledger if e.doubts)
    report.committed_unanswered = sum(1 for e in ledger if e.doubts and e.replayed)
    report.problems = check(url, ledger, tag)
    (workdir / "ledger.jsonl").write_text("\n".join(json.dumps(e.__dict__, ensure_ascii=False) for e in ledger))
    return report


def check(url: str, ledger: list[Entry], tag: str) -> list[str]:
    """Every ledger entry written exactly once, whole, with its audit entry and stored answer;
    nothing else written; the audit chain intact."""
    from models import AuditLog, IdempotencyKey, Need
    from models.audit_chain import verify
    from models.db import make_engine
    from models.posting import NeedStatus

    problems: list[str] = []
    engine = make_engine(url)
    with Session(engine) as s:
        rows = s.exec(select(Need).where(col(Need.title).startswith(f"故障演练{tag}"))).all()
        by_title: dict[str, list[Need]] = {}
        for row in rows:
            by_title.setdefault(row.title, []).append(row)
        audited = set(s.exec(select(AuditLog.object_id).where(AuditLog.action == "need.create",
                                                              col(AuditLog.object_id).in_([r.id for r in rows]))))
        keys = set(s.exec(select(IdempotencyKey.key).where(col(IdempotencyKey.key).startswith(f"api:{tag}-"))))
        for e in ledger:
            found = by_title.pop(e.title, [])
            if e.need_id is None:
                problems.append(f"{e.key}: never acknowledged")
            if len(found) != 1:
                problems.append(f"{e.key}: {len(found)} rows in the database (expected 1)")
                continue
            row = found[0]
            if e.need_id is not None and row.id != e.need_id:
                problems.append(f"{e.key}: acknowledged as need {e.need_id}, stored as {row.id}")
            if (row.description, row.category, row.budget_wan) != (e.description, e.category, Decimal(e.amount)) \
                    or not row.tokens or row.status != NeedStatus.open:
                problems.append(f"{e.key}: need {row.id} is not what was sent (half-written?)")
            if row.id not in audited:
                problems.append(f"{e.key}: need {row.id} has no audit entry")
            if f"api:{e.key}" not in keys:
                problems.append(f"{e.key}: its answer was not stored")
        problems += [f"unexpected row {rs[0].id}: {title}" for title, rs in by_title.items()]
        chain = verify(s)
        if not chain.ok:
            problems += [f"audit chain: {p}" for p in chain.problems]
    engine.dispose()
    return problems


# ---------------------------------------------------------------- a database outage
@dataclass
class OutageReport:
    database: str
    outage_seconds: float = 0.0
    answers: dict[str, int] = field(default_factory=dict)  # "during:503" -> count
    slowest_during: float = 0.0  # seconds, the slowest answer while the database was away
    recovered_after: float | None = None  # seconds from the database's return to the first 200
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        verdict = "通过 / passed" if self.ok else "失败 / FAILED"
        recovered = f"{self.recovered_after:.1f} s" if self.recovered_after is not None else "never"
        return (f"{verdict}: {self.database} away for {self.outage_seconds:.0f} s; answers {self.answers}; "
                f"slowest answer while away {self.slowest_during:.2f} s; first 200 {recovered} after it returned"
                + "".join(f"\n  - {p}" for p in self.problems))


def outage(url: str, *, stop_command: str, start_command: str, away: float = 20.0, workers: int = 2,
           workdir: Path | None = None) -> OutageReport:
    """Poll a page and the API while the database is stopped (``stop_command``) and started
    again (``start_command``): while it is away every answer must be a 503 (no 500, no hang);
    after it returns the platform must answer 200 again by itself."""
    from sqlalchemy import make_url

    workdir = workdir or Path(tempfile.mkdtemp(prefix="zhengqi-outage-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report = OutageReport(database=make_url(url).get_backend_name())
    username, password = prepare(url, secrets.token_hex(4))
    server = Server(url, workers, workdir / "server.log")
    server.start()
    phase = ["before"]
    returned_at: list[float] = []
    stop = threading.Event()
    lock = threading.Lock()
    try:
        cookie, _ = login(server.port, username, password)

        def poll() -> None:
            while not stop.is_set():
                for path in ("/enterprise", "/api/v1/me"):
                    began = time.monotonic()
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                    try:
                        conn.request("GET", path, headers={"Cookie": cookie})
                        r = conn.getresponse()
                        body = r.read()
                        status = str(r.status)
                        if r.status == 503 and "数据库暂时无法连接".encode() not in body:
                            status = "503-without-chinese-message"
                    except (OSError, http.client.HTTPException):
                        status = "no-answer"
                    finally:
                        conn.close()
                    took = time.monotonic() - began
                    with lock:
                        now = phase[0]
                        report.answers[f"{now}:{status}"] = report.answers.get(f"{now}:{status}", 0) + 1
                        if now == "during":
                            report.slowest_during = max(report.slowest_during, took)
                        if now == "after" and status == "200" and report.recovered_after is None:
                            report.recovered_after = time.monotonic() - returned_at[0]
                time.sleep(0.2)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        time.sleep(3)
        with lock:
            phase[0] = "stopping"  # answers 200 or 503 while the server shuts down
        subprocess.run(stop_command, shell=True, check=True, capture_output=True)
        with lock:
            phase[0] = "during"
        began = time.monotonic()
        time.sleep(away)
        with lock:
            phase[0] = "returning"
        subprocess.run(start_command, shell=True, check=True, capture_output=True)
        report.outage_seconds = time.monotonic() - began
        with lock:
            returned_at.append(time.monotonic())
            phase[0] = "after"
        _wait(lambda: report.recovered_after is not None, "recovery", limit=120)
        time.sleep(2)
    finally:
        stop.set()
        server.stop()
    bad = {k: v for k, v in report.answers.items() if k.startswith("during:") and k != "during:503"}
    if bad:
        report.problems.append(f"while the database was away, answers other than a Chinese 503: {bad}")
    if any(k.startswith("before:") and k != "before:200" for k in report.answers):
        report.problems.append("the platform was not answering 200 before the outage")
    odd = {k: v for k, v in report.answers.items()
           if k.split(":")[0] in ("stopping", "returning") and k.split(":")[1] not in ("200", "503")}
    if odd:
        report.problems.append(f"while the database stopped or started, answers other than 200 or 503: {odd}")
    if report.recovered_after is None:
        report.problems.append("the platform did not recover after the database returned")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "sqlite:///zhengqi-faults.db"))
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data into an empty database.")
    parser.add_argument("--outage", action="store_true",
                        help="Instead of killing workers: stop the database (--stop), wait, start it (--start).")
    parser.add_argument("--stop", help="Shell command that stops the database (a server of your own).")
    parser.add_argument("--start", help="Shell command that starts it again.")
    parser.add_argument("--away", type=float, default=20.0, help="Seconds the database stays away.")
    args = parser.parse_args(argv)
    from web.settings import Settings

    url = Settings(database_url=args.database_url).sqlalchemy_url
    if args.outage:
        if not (args.stop and args.start):
            parser.error("--outage needs --stop and --start")
        result = outage(url, stop_command=args.stop, start_command=args.start, away=args.away,
                        workers=args.workers, workdir=args.workdir)
        print(f"{datetime.now(UTC):%Y-%m-%d} {result.summary()}")
        return 0 if result.ok else 1
    report = run(url, writes=args.writes, kills=args.kills, clients=args.clients, workers=args.workers,
                 workdir=args.workdir, demo=not args.no_demo)
    print(f"{datetime.now(UTC):%Y-%m-%d} {report.summary()}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

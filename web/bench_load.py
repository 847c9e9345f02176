"""Load benchmark over loopback: ``python -m web.bench_load [--db sqlite,postgres] [--seconds 60]``.

For each database it migrates and seeds a fresh benchmark database, starts ``uvicorn``
with ``--workers`` worker processes on 127.0.0.1, logs in sessions of every role (login
timed on its own: argon2 is slow on purpose), then sends a closed-loop mix from
``--connections`` keep-alive connections until ``--seconds`` have passed or
``--max-requests`` were sent, whichever comes first:

- 70% page and API reads of every role (portal home and lists, inbox, dashboard, staff
  pipeline and portraits, account list, ``/api/v1/...`` lists);
- 20% recommendation views (a need's or offer's page with its recommendations, the
  recommendations API, the staff review queue and one proposal);
- 10% writes (an enterprise posts a need, a provider posts an offer, someone marks their
  messages read).

A bare FastAPI app (one JSON route) runs under the same uvicorn settings in the same run
as the reference, so figures taken on a busy machine can be compared as ratios.
A posting phase then measures postings per second (``--post-seconds``).

The load generator is a small asyncio HTTP/1.1 client rather than locust: on two cores
shared with the server, locust's per-request cost (about a millisecond of CPU with its
default user class) would take a large share of the machine from the server it measures.
The client's own CPU use is printed beside the figures.

PostgreSQL: ``--postgres-url`` (default ``$BENCH_DATABASE_URL``) must name a database whose
name starts with ``bench``: its ``public`` schema is dropped and rebuilt. SQLite uses a
temporary file. Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi import FastAPI

HOST = "127.0.0.1"
PASSWORD = "Demo-2022"  # the demo accounts' password (README)
ROLES = ("enterprise", "provider", "staff", "official", "admin")
SESSIONS_PER_ROLE = 3

# The reference: the least a FastAPI app costs per request on this machine.
bare_app = FastAPI()


@bare_app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}


# ---------------------------------------------------------------- HTTP client
class Connection:
    """One keep-alive HTTP/1.1 connection to the server (Content-Length or chunked bodies)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, *, cookies: dict[str, str] | None = None,
                      headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, dict[str, list[str]], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if body or method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            return await self._response()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise

    async def _response(self) -> tuple[int, dict[str, list[str]], bytes]:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        hdrs: dict[str, list[str]] = {}
        for line in header_lines:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        if "content-length" in hdrs:
            body = await self.reader.readexactly(int(hdrs["content-length"][0]))
        elif "chunked" in ",".join(hdrs.get("transfer-encoding", [])):
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:
            body = b""
        if "close" in ",".join(hdrs.get("connection", [])).lower():
            self.close()
        return status, hdrs, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _cookies_from(hdrs: dict[str, list[str]], jar: dict[str, str]) -> None:
    for raw in hdrs.get("set-cookie", []):
        name, _, rest = raw.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


# ---------------------------------------------------------------- users and the mix
@dataclass
class User:
    role: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    own_ids: list[int] = field(default_factory=list)  # own needs/offers, or staff's proposals


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float, ok: bool, what: str) -> None:
        self.samples.setdefault(kind, []).append(seconds)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.error_examples) < 5:
                self.error_examples.append(what)


async def login(conn: Connection, role: str) -> tuple[User, float]:
    """Log in the demo account of ``role`` as a browser would; returns the user and the time."""
    user = User(role=role)
    _, hdrs, body = await conn.request("GET", "/api/v1/csrf-token")
    _cookies_from(hdrs, user.cookies)
    anon = json.loads(body)["csrf_token"]
    form = f"username=demo-{role}&password={quote(PASSWORD)}&csrf_token={anon}".encode()
    t = time.perf_counter()
    status, hdrs, _ = await conn.request(
        "POST", "/login", cookies=user.cookies, body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    took = time.perf_counter() - t
    if status != 303:
        raise RuntimeError(f"登录失败：demo-{role} 返回 {status}")
    _cookies_from(hdrs, user.cookies)
    _, _, body = await conn.request("GET", "/api/v1/csrf-token", cookies=user.cookies)
    user.csrf = json.loads(body)["csrf_token"]
    await _learn_ids(conn, user)
    return user, took


async def _learn_ids(conn: Connection, user: User) -> None:
    path = {"enterprise": "/api/v1/needs?per_page=100", "provider": "/api/v1/offers?per_page=100",
            "staff": "/api/v1/staff/queue"}.get(user.role)
    if path is None:
        return
    _, _, body = await conn.request("GET", path, cookies=user.cookies)
    data = json.loads(body)
    items = data.get("items", [])
    user.own_ids = [int(i["id"]) for i in items if i.get("status", "open") == "open"][:50]


READS: dict[str, tuple[str, ...]] = {
    "enterprise": ("/enterprise", "/enterprise/needs", "/enterprise/matches", "/inbox",
                   "/enterprise/profile", "/api/v1/needs", "/api/v1/matches", "/api/v1/me",
                   "/api/v1/notifications/unread-count", "/api/v1/categories"),
    "provider": ("/provider", "/provider/offers", "/provider/matches", "/inbox",
                 "/api/v1/offers", "/api/v1/matches", "/api/v1/notifications"),
    "staff": ("/staff/pipeline", "/staff/portraits", "/staff/audit", "/dashboard",
              "/api/v1/staff/pipeline", "/api/v1/needs", "/api/v1/offers"),
    "official": ("/dashboard", "/dashboard/operations", "/api/v1/dashboard/indicators",
                 "/api/v1/dashboard/operations"),
    "admin": ("/admin/users", "/api/v1/users", "/api/v1/me"),
}
READ_WEIGHTS = {"enterprise": 0.35, "provider": 0.25, "staff": 0.2, "official": 0.1, "admin": 0.1}
NEED_TEXTS = (
    ("零部件表面缺陷视觉检测", "需要AI视觉检测方案替代人工目检，识别划痕、裂纹等表面缺陷", "技术攻关"),
    ("专利质押融资对接", "公司拥有发明专利，希望通过知识产权质押获得贷款", "科技金融"),
    ("高新技术企业认定辅导", "计划申报高新技术企业，需要梳理研发项目与知识产权", "资质申报"),
    ("工业互联网平台改造", "生产线设备联网，数据采集与能耗监测，推进两化融合", "数字化转型"),
)
OFFER_TEXTS = (
    ("机器视觉质检解决方案", "提供深度学习表面缺陷检测、产线视觉系统集成与调试", "技术攻关"),
    ("知识产权质押融资服务", "协助企业办理专利权质押贷款，对接银行与担保机构", "科技金融"),
    ("高企认定全程辅导", "研发费用归集、知识产权规划、申报材料编写", "资质申报"),
    ("工业互联网与两化融合咨询", "设备联网、数据采集、贯标咨询与数字化车间建设", "数字化转型"),
)


@dataclass(frozen=True)
class Call:
    kind: str  # read | recommendation | write
    user: User
    method: str
    path: str
    body: bytes = b""


def _posting_body(texts: tuple[tuple[str, str, str], ...], rng: random.Random) -> bytes:
    title, description, category = rng.choice(texts)
    n = rng.randrange(1_000_000)
    return json.dumps({"title": f"{title}{n}", "description": description,
                       "category": category}).encode()


def next_call(users: dict[str, list[User]], rng: random.Random) -> Call:
    """One request of the 70/20/10 mix."""
    r = rng.random()
    if r < 0.7:
        role = rng.choices(list(READ_WEIGHTS), weights=list(READ_WEIGHTS.values()))[0]
        return Call("read", rng.choice(users[role]), "GET", rng.choice(READS[role]))
    if r < 0.9:
        role = rng.choices(("enterprise", "provider", "staff"), weights=(0.45, 0.35, 0.2))[0]
        user = rng.choice(users[role])
        if role == "staff" or not user.own_ids:
            if user.own_ids and rng.random() < 0.5:
                return Call("recommendation", user, "GET", f"/staff/review/{rng.choice(user.own_ids)}")
            return Call("recommendation", user, "GET", "/staff/review")
        items = "needs" if role == "enterprise" else "offers"
        pid = rng.choice(user.own_ids)
        path = (f"/{role}/{items}/{pid}" if rng.random() < 0.6
                else f"/api/v1/{items}/{pid}/recommendations")
        return Call("recommendation", user, "GET", path)
    w = rng.random()
    if w < 0.4:
        return Call("write", rng.choice(users["enterprise"]), "POST", "/api/v1/needs",
                    _posting_body(NEED_TEXTS, rng))
    if w < 0.7:
        return Call("write", rng.choice(users["provider"]), "POST", "/api/v1/offers",
                    _posting_body(OFFER_TEXTS, rng))
    role = rng.choice(("enterprise", "provider", "staff"))
    return Call("write", rng.choice(users[role]), "POST", "/api/v1/notifications/read-all")


async def drive(port: int, make_call: Callable[[random.Random], Call | None], *, connections: int,
                seconds: float, max_requests: int, seed: int = 1) -> tuple[Stats, float]:
    """Closed loop: each connection sends its next request when the last one is answered."""
    stats = Stats()
    deadline = time.perf_counter() + seconds
    sent = 0

    async def loop(i: int) -> None:
        nonlocal sent
        rng = random.Random(seed * 1000 + i)
        conn = Connection(port)
        while time.perf_counter() < deadline and sent < max_requests:
            call = make_call(rng)
            if call is None:
                return
            sent += 1
            headers = {"X-CSRF-Token": call.user.csrf} if call.method != "GET" else {}
            if call.body:
                headers["Content-Type"] = "application/json"
            t = time.perf_counter()
            try:
                status, _, body = await conn.request(call.method, call.path, cookies=call.user.cookies,
                                                     headers=headers, body=call.body)
                ok = status < 400
                what = f"{status} {call.method} {call.path}"
            except (OSError, asyncio.IncompleteReadError) as exc:
                ok, body, what = False, b"", f"{type(exc).__name__} {call.method} {call.path}"
            stats.add(call.kind, time.perf_counter() - t, ok, what)
            if ok and call.method == "POST" and call.path.endswith(("/needs", "/offers")):
                call.user.own_ids.append(int(json.loads(body)["id"]))
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(connections)))
    return stats, time.perf_counter() - started


# ---------------------------------------------------------------- servers
def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``uvicorn APP --workers N`` on a free loopback port, stopped by its own pid."""

    def __init__(self, app: str, *, workers: int, env: dict[str, str], ready_path: str) -> None:
        self.port, self.ready_path = _free_port(), ready_path
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(self.port),
             "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
            env={**os.environ, **env}, cwd=Path(__file__).resolve().parent.parent)
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
    from web.services.matching.index_files import load_holder
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


# ---------------------------------------------------------------- report
def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else float("nan")


@dataclass
class Result:
    label: str
    requests: int
    errors: int
    seconds: float
    p50: float
    p95: float
    p99: float
    client_cpu: float  # share of one core the load generator used

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def row(self, ref: Result | None) -> str:
        ratio = f"{self.rps / ref.rps:6.3f}" if ref else "     -"
        return (f"| {self.label:<34} | {self.rps:8.1f} | {ratio} | {self.p50 * 1000:7.1f} | "
                f"{self.p95 * 1000:7.1f} | {self.p99 * 1000:7.1f} | {self.errors:>6} | "
                f"{self.requests:>7} | {self.client_cpu:5.0%} |")


HEADER = ("| run | req/s | × bare | p50 ms | p95 ms | p99 ms | errors | requests | client CPU |\n"
          "|---|---|---|---|---|---|---|---|---|")


def summarise(label: str, samples: list[float], errors: int, seconds: float, cpu: float) -> Result:
    return Result(label, len(samples), errors, seconds, pct(samples, 0.5), pct(samples, 0.95),
                  pct(samples, 0.99), cpu)


async def measure(port: int, make_call: Callable[[random.Random], Call | None], label: str,
                  args: argparse.Namespace, *, seconds: float | None = None,
                  connections: int | None = None) -> tuple[Result, Stats]:
    cpu0 = time.process_time()
    stats, took = await drive(port, make_call, connections=connections or args.connections,
                              seconds=seconds or args.seconds, max_requests=args.max_requests)
    cpu = (time.process_time() - cpu0) / took
    every = [x for v in stats.samples.values() for x in v]
    return summarise(label, every, sum(stats.errors.values()), took, cpu), stats


async def bench_platform(kind: str, args: argparse.Namespace, workdir: Path,
                         results: list[Result]) -> None:
    index_dir = workdir / f"index-{kind}"
    url = fresh_database(kind, args.postgres_url, workdir, index_dir)
    env = {"DATABASE_URL": url, "ZHENGQI_MODE": "demo", "ZHENGQI_SEED_ON_START": "true",
           "ZHENGQI_LOGIN_MAX_FAILURES": "1000", "ZHENGQI_INDEX_DIR": str(index_dir)}
    server = Server("web.asgi:app", workers=args.workers, env=env, ready_path="/api/v1/health")
    try:
        conn = Connection(server.port)
        users: dict[str, list[User]] = {r: [] for r in ROLES}
        login_times = []
        for _ in range(SESSIONS_PER_ROLE):
            for role in ROLES:
                user, took = await login(conn, role)
                users[role].append(user)
                login_times.append(took)
        conn.close()
        results.append(summarise(f"{kind}: login (sequential)", login_times, 0,
                                 sum(login_times), 0.0))
        result, stats = await measure(server.port, lambda rng: next_call(users, rng),
                                      f"{kind}: platform mix", args)
        results.append(result)
        for k in ("read", "recommendation", "write"):
            s = stats.samples.get(k, [])
            results.append(summarise(f"{kind}:   {k}", s, stats.errors.get(k, 0), result.seconds, 0.0))
        for example in stats.error_examples:
            print(f"  error: {example}", file=sys.stderr)
        if args.post_seconds:
            enterprise = users["enterprise"]

            def post(rng: random.Random) -> Call:
                return Call("write", rng.choice(enterprise), "POST", "/api/v1/needs",
                            _posting_body(NEED_TEXTS, rng))

            posted, _ = await measure(server.port, post, f"{kind}: postings stored (4 clients)", args,
                                      seconds=args.post_seconds, connections=4)
            results.append(posted)
            # Matched too: the posting phase plus the time the background took to catch up.
            lag = await asyncio.to_thread(wait_matched, url)
            results.append(Result(f"{kind}: postings matched (end to end)", posted.requests, 0,
                                  posted.seconds + lag, float("nan"), float("nan"), float("nan"), 0.0))
    finally:
        server.stop()


async def bench_bare(args: argparse.Namespace, results: list[Result]) -> None:
    server = Server("web.bench_load:bare_app", workers=args.workers, env={}, ready_path="/hello")
    try:
        nobody = User(role="anonymous")

        def call(_: random.Random) -> Call:
            return Call("read", nobody, "GET", "/hello")

        result, _ = await measure(server.port, call, "bare FastAPI app", args)
        results.append(result)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web.bench_load", description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (comma separated)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each mixed run")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop a run after this many")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--post-seconds", type=float, default=20.0, help="posting phase (0: skip)")
    args = parser.parse_args(argv)
    if args.seconds > 900 or args.max_requests > 2_000_000:
        raise SystemExit("单次运行最长 900 秒、最多 2,000,000 个请求")
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if any(k not in ("sqlite", "postgres") for k in kinds):
        raise SystemExit("--db 只能是 sqlite、postgres 或两者（逗号分隔）")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="zhengqi-bench-") as tmp:
        asyncio.run(bench_bare(args, results))
        for kind in kinds:
            asyncio.run(bench_platform(kind, args, Path(tmp), results))
    ref = next(r for r in results if r.label == "bare FastAPI app")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{stamp}: {args.workers} workers, {args.connections} connections, "
          f"{args.seconds:.0f} s per mixed run, load generator on the same {os.cpu_count()} cores")
    print(HEADER)
    for r in results:
        print(r.row(None if r is ref or "login" in r.label or "matched" in r.label else ref))
    print(re.sub(r"\s+", " ", "× bare: requests/s over the bare app's in the same run; login rows are "
                 "sequential single logins (argon2), not throughput; \"postings matched\": postings over the "
                 "posting phase plus the time background matching took to catch up."))


if __name__ == "__main__":
    main()

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
The client's own CPU use is printed beside the figures, and so is the CPU the server's processes
used per request: unlike requests per second, it hardly moves when other programs share the
machine, so runs on a busy machine can still be compared.

PostgreSQL: ``--postgres-url`` (default ``$BENCH_DATABASE_URL``) must name a database whose
name starts with ``bench``: its ``public`` schema is dropped and rebuilt. SQLite uses a
temporary file. Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from web.bench_load.client import Connection
from web.bench_load.mix import (
    NEED_TEXTS,
    ROLES,
    SESSIONS_PER_ROLE,
    Call,
    Stats,
    User,
    drive,
    login,
    next_call,
    posting_body,
)
from web.bench_load.report import HEADER, Result, summarise
from web.bench_load.servers import AnalyzeStandIn, Server, fresh_database, wait_matched


async def measure(server: Server, make_call: Callable[[random.Random], Call | None], label: str,
                  args: argparse.Namespace, *, seconds: float | None = None,
                  connections: int | None = None) -> tuple[Result, Stats]:
    cpu0, server0 = time.process_time(), server.cpu_seconds()
    stats, took = await drive(server.port, make_call, connections=connections or args.connections,
                              seconds=seconds or args.seconds, max_requests=args.max_requests)
    cpu = (time.process_time() - cpu0) / took
    every = [x for v in stats.samples.values() for x in v]
    result = summarise(label, every, sum(stats.errors.values()), took, cpu)
    result.server_ms = (server.cpu_seconds() - server0) / max(1, len(every)) * 1000
    return result, stats


async def bench_platform(kind: str, args: argparse.Namespace, workdir: Path,
                         results: list[Result], notes: list[str]) -> None:
    index_dir = workdir / f"index-{kind}"
    url = fresh_database(kind, args.postgres_url, workdir, index_dir)
    env = {"DATABASE_URL": url, "ZHENGQI_MODE": "demo", "ZHENGQI_SEED_ON_START": "true",
           "ZHENGQI_LOGIN_MAX_FAILURES": "1000", "ZHENGQI_INDEX_DIR": str(index_dir)}
    server = Server("web.asgi:app", workers=args.workers, env=env, ready_path="/api/v1/health")
    analyze = AnalyzeStandIn(url)
    analyze.start()
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
        if args.warmup:  # templates compiled, caches and connection pools filled: not measured
            await drive(server.port, lambda rng: next_call(users, rng), connections=args.connections,
                        seconds=args.warmup, max_requests=args.max_requests, seed=2)
        result, stats = await measure(server, lambda rng: next_call(users, rng),
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
                            posting_body(NEED_TEXTS, rng))

            posted, _ = await measure(server, post, f"{kind}: postings stored (4 clients)", args,
                                      seconds=args.post_seconds, connections=4)
            results.append(posted)
            # Matched too: the posting phase plus the time the background took to catch up.
            lag = await asyncio.to_thread(wait_matched, url)
            results.append(Result(f"{kind}: postings matched (end to end)", posted.requests, 0,
                                  posted.seconds + lag, float("nan"), float("nan"), float("nan"), 0.0))
    finally:
        analyze.stop()
        server.stop()
        if analyze.active:
            notes.append(f"{kind}: the server's autovacuum is off; ANALYZE ran every {analyze.every:.0f} s "
                         f"in its stead ({analyze.runs} times; web.bench_load.servers.AnalyzeStandIn).")


async def bench_bare(args: argparse.Namespace, results: list[Result]) -> None:
    server = Server("web.bench_load.servers:bare_app", workers=args.workers, env={}, ready_path="/hello")
    try:
        nobody = User(role="anonymous")

        def call(_: random.Random) -> Call:
            return Call("read", nobody, "GET", "/hello")

        result, _ = await measure(server, call, "bare FastAPI app", args)
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
    parser.add_argument("--warmup", type=float, default=10.0, help="unmeasured mix before each platform run")
    parser.add_argument("--post-seconds", type=float, default=20.0, help="posting phase (0: skip)")
    args = parser.parse_args(argv)
    if args.seconds > 900 or args.max_requests > 2_000_000:
        raise SystemExit("单次运行最长 900 秒、最多 2,000,000 个请求")
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if any(k not in ("sqlite", "postgres") for k in kinds):
        raise SystemExit("--db 只能是 sqlite、postgres 或两者（逗号分隔）")
    results: list[Result] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="zhengqi-bench-") as tmp:
        asyncio.run(bench_bare(args, results))
        for kind in kinds:
            asyncio.run(bench_platform(kind, args, Path(tmp), results, notes))
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
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()

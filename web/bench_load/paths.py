"""Server CPU per request, path by path: ``python -m web.bench_load.paths [--grow 1000] [--db sqlite]``.

The mixed run (``python -m web.bench_load``) says how fast the platform is; this says where
its time goes. One worker serves a fresh demo database; every path of the mix is requested
``--requests`` times one after another by its role's demo user, after a warm-up, and the CPU
the server process used is divided by the count (unlike wall time, this hardly moves when
other programs share the machine). ``--grow N`` first posts N needs and offers through the
API, as the mixed run does in five minutes, and waits for background matching, so that the
pages that read every posting show what such a run does to them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
from pathlib import Path

from web.bench_load.client import Connection
from web.bench_load.mix import NEED_TEXTS, OFFER_TEXTS, READS, User, learn_ids, login, posting_body
from web.bench_load.servers import Server, fresh_database, wait_matched

WARMUP = 20


def _calls(users: dict[str, User]) -> list[tuple[str, str]]:
    """(role, path) of every read of the mix and each kind of recommendation view."""
    calls = [(role, path) for role, paths in READS.items() for path in paths]
    for role, items in (("enterprise", "needs"), ("provider", "offers")):
        own = users[role].own_ids
        if own:
            calls += [(role, f"/{role}/{items}/{own[0]}"), (role, f"/api/v1/{items}/{own[0]}/recommendations")]
    calls.append(("staff", "/staff/review"))
    return calls


async def _grow(conn: Connection, users: dict[str, User], count: int) -> None:
    rng = random.Random(1)
    for i in range(count):
        role, path, texts = (("enterprise", "/api/v1/needs", NEED_TEXTS) if i % 2
                             else ("provider", "/api/v1/offers", OFFER_TEXTS))
        status, _, body = await conn.request(
            "POST", path, cookies=users[role].cookies, body=posting_body(texts, rng),
            headers={"X-CSRF-Token": users[role].csrf, "Content-Type": "application/json"})
        if status != 201:
            raise RuntimeError(f"发布失败：{status} {body[:200]!r}")


async def measure(kind: str, postgres_url: str | None, *, grow: int, requests: int) -> list[tuple[float, str, str]]:
    work = Path(tempfile.mkdtemp(prefix="zhengqi-paths-"))
    url = fresh_database(kind, postgres_url, work, work / "index")
    env = {"DATABASE_URL": url, "ZHENGQI_MODE": "demo", "ZHENGQI_SEED_ON_START": "true",
           "ZHENGQI_LOGIN_MAX_FAILURES": "1000", "ZHENGQI_INDEX_DIR": str(work / "index")}
    server = Server("web.asgi:app", workers=1, env=env, ready_path="/api/v1/health")
    try:
        conn = Connection(server.port)
        users = {role: (await login(conn, role))[0] for role in READS}
        if grow:
            await _grow(conn, users, grow)
            wait_matched(url)
            conn.close()  # idle past uvicorn's keep-alive while matching caught up
            for user in users.values():  # their lists have grown: the newest postings first
                await learn_ids(conn, user)
        rows = []
        for role, path in _calls(users):
            for _ in range(WARMUP):
                await conn.request("GET", path, cookies=users[role].cookies)
            before = server.cpu_seconds()
            for _ in range(requests):
                status, _, _ = await conn.request("GET", path, cookies=users[role].cookies)
                if status != 200:
                    raise RuntimeError(f"{role} {path} 返回 {status}")
            rows.append(((server.cpu_seconds() - before) / requests * 1000, role, path))
        return sorted(rows, reverse=True)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web.bench_load.paths", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--grow", type=int, default=0, help="needs and offers to post first (at most 5,000)")
    parser.add_argument("--requests", type=int, default=50, help="requests per path (at most 1,000)")
    args = parser.parse_args(argv)
    if not 0 <= args.grow <= 5000 or not 1 <= args.requests <= 1000:
        raise SystemExit("--grow 应在 0–5000 之间，--requests 应在 1–1000 之间")
    rows = asyncio.run(measure(args.db, args.postgres_url, grow=args.grow, requests=args.requests))
    print(f"{args.db}, {args.grow} postings added, {args.requests} requests a path, one worker")
    print("| server CPU ms/req | role | path |\n|---|---|---|")
    for ms, role, path in rows:
        print(f"| {ms:.1f} | {role} | {path} |")
    print(f"| {sum(r[0] for r in rows) / len(rows):.1f} | mean of the paths | |")


if __name__ == "__main__":
    main()

"""Server CPU per request, path by path: ``python -m web.bench_load.paths [--grow 1000] [--db sqlite]``.

The mixed run (``python -m web.bench_load``) says how fast the platform is; this says where
its time goes. One worker serves a fresh demo database; every path of the mix is requested
``--requests`` times one after another by its role's demo user, after a warm-up, and the CPU
the server process used is divided by the count (unlike wall time, this hardly moves when
other programs share the machine). ``--grow N`` first posts N needs and offers through the
API, as the mixed run does in five minutes, and waits for background matching, so that the
pages that read every posting show what such a run does to them. ``--against CHECKOUT`` serves
another checkout (``git worktree add --detach ../old <commit>``) beside this one and sends each
request to both in turn: the ratio of the two is what a change did, measured in the same moments
of a machine whose speed drifts by a fifth from one run to the next.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from web.bench_load.client import Connection
from web.bench_load.mix import NEED_TEXTS, OFFER_TEXTS, READS, User, learn_ids, login, posting_body
from web.bench_load.servers import CHECKOUT, Server, fresh_database, wait_matched

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


def _serve(kind: str, postgres_url: str | None, checkout: Path) -> tuple[Server, str]:
    """One worker of ``checkout`` on a fresh demo database that ``checkout``'s own code prepared."""
    work = Path(tempfile.mkdtemp(prefix="zhengqi-paths-"))
    if checkout == CHECKOUT:
        url = fresh_database(kind, postgres_url, work, work / "index")
    else:  # `python -c` puts the working directory first on the path: the other checkout's code
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                        "from web.bench_load.servers import fresh_database; "
                        "fresh_database('sqlite', None, Path(sys.argv[1]), Path(sys.argv[1]) / 'index')",
                        str(work)], cwd=checkout, check=True)
        url = f"sqlite:///{work / 'bench.db'}"
    env = {"DATABASE_URL": url, "ZHENGQI_MODE": "demo", "ZHENGQI_SEED_ON_START": "true",
           "ZHENGQI_LOGIN_MAX_FAILURES": "1000", "ZHENGQI_INDEX_DIR": str(work / "index")}
    return Server("web.asgi:app", workers=1, env=env, ready_path="/api/v1/health", checkout=checkout), url


Row = tuple[float, float | None, str, str]  # ms here, ms of the other checkout (or None), role, path


async def measure(kind: str, postgres_url: str | None, *, grow: int, requests: int,
                  against: Path | None = None) -> list[Row]:
    """CPU per request of every path; with ``against``, that checkout is served beside this one
    and each request goes to both in turn, so both see the same machine at the same moments."""
    sides = [_serve(kind, postgres_url, CHECKOUT)]
    try:
        if against is not None:
            sides.append(_serve(kind, None, against))
        conns = [Connection(server.port) for server, _ in sides]
        users = [{role: (await login(conn, role))[0] for role in READS} for conn in conns]
        if grow:
            for conn, own, (_, url) in zip(conns, users, sides, strict=True):
                conn.close()  # it may have idled past uvicorn's keep-alive while the other side grew
                await _grow(conn, own, grow)
                wait_matched(url)
            for conn, own in zip(conns, users, strict=True):
                conn.close()  # idle past uvicorn's keep-alive while matching caught up
                for user in own.values():  # their lists have grown: the newest postings first
                    await learn_ids(conn, user)
        rows: list[Row] = []
        for calls in zip(*(_calls(own) for own in users), strict=True):
            for _ in range(WARMUP):
                for conn, own, (role, path) in zip(conns, users, calls, strict=True):
                    await conn.request("GET", path, cookies=own[role].cookies)
            before = [server.cpu_seconds() for server, _ in sides]
            for _ in range(requests):
                for conn, own, (role, path) in zip(conns, users, calls, strict=True):
                    status, _, _ = await conn.request("GET", path, cookies=own[role].cookies)
                    if status != 200:
                        raise RuntimeError(f"{role} {path} 返回 {status}")
            ms = [(server.cpu_seconds() - b) / requests * 1000 for (server, _), b in zip(sides, before, strict=True)]
            rows.append((ms[0], ms[1] if against is not None else None, *calls[0]))
        return sorted(rows, key=lambda r: r[0], reverse=True)
    finally:
        for server, _ in sides:
            server.stop()


def report(rows: list[Row], *, against: Path | None) -> list[str]:
    """The table: one line a path, the mean of the paths last (with the ratio to ``against``)."""
    mean = sum(r[0] for r in rows) / len(rows)
    if against is None:
        lines = ["| server CPU ms/req | role | path |", "|---|---|---|"]
        lines += [f"| {ms:.1f} | {role} | {path} |" for ms, _, role, path in rows]
        return [*lines, f"| {mean:.1f} | mean of the paths | |"]
    base = sum(r[1] or 0.0 for r in rows) / len(rows)
    lines = [f"| server CPU ms/req | {against} | ratio | role | path |", "|---|---|---|---|---|"]
    lines += [f"| {ms:.1f} | {old:.1f} | {ms / old:.2f} | {role} | {path} |"
              for ms, old, role, path in rows if old is not None]
    return [*lines, f"| {mean:.1f} | {base:.1f} | {mean / base:.2f} | mean of the paths | |"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web.bench_load.paths", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--grow", type=int, default=0, help="needs and offers to post first (at most 5,000)")
    parser.add_argument("--requests", type=int, default=50, help="requests per path (at most 1,000)")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout (a git worktree) served beside this one, SQLite only")
    args = parser.parse_args(argv)
    if not 0 <= args.grow <= 5000 or not 1 <= args.requests <= 1000:
        raise SystemExit("--grow 应在 0–5000 之间，--requests 应在 1–1000 之间")
    if args.against is not None:
        if args.db != "sqlite":
            raise SystemExit("--against 只支持 SQLite（两个检出各用一个临时数据库）")
        if not (args.against / "web" / "asgi.py").is_file():
            raise SystemExit(f"--against {args.against} 不是本项目的检出（缺少 web/asgi.py）")
    rows = asyncio.run(measure(args.db, args.postgres_url, grow=args.grow, requests=args.requests,
                               against=args.against))
    print(f"{args.db}, {args.grow} postings added, {args.requests} requests a path, one worker"
          + (f" each, against {args.against} in turn" if args.against else ""))
    print("\n".join(report(rows, against=args.against)))


if __name__ == "__main__":
    main()

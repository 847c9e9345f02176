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
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from web.faults.kill_run import run
from web.faults.outage import outage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.faults", description=__doc__.split("\n\n")[0])
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

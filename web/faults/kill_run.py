"""The kill run: writes with Idempotency-Keys, SIGKILLed workers, then every ledger entry checked."""

from __future__ import annotations

import json
import queue
import random
import secrets
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from web.faults.client import Client, login
from web.faults.ledger import Entry, Report
from web.faults.server import Server


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


"""A database outage: every answer meanwhile a Chinese 503, and service back by itself."""

from __future__ import annotations

import http.client
import secrets
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from web.faults.client import login
from web.faults.kill_run import prepare
from web.faults.server import Server, wait_for


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
        wait_for(lambda: report.recovered_after is not None, "recovery", limit=120)
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


"""`zhengqi serve` in its own process group, with one worker killed at a time."""

from __future__ import annotations

import http.client
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


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
        wait_for(lambda: status_of(self.port, "/login") == 200, "server start")
        if self.workers > 1:
            wait_for(lambda: len(self.worker_pids()) == self.workers, "workers start")

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
        wait_for(lambda: victim not in self.worker_pids() and len(self.worker_pids()) == self.workers,
              "worker restart")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wait_for(done: Any, what: str, limit: float = 180) -> None:
    deadline = time.monotonic() + limit  # a guard against waiting for ever, not a measurement
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def status_of(port: int, path: str) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


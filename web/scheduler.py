"""The scheduler thread each worker runs: every tick it runs the jobs that are due and whose
database lease it wins, so several workers never run the same job twice."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

from web.services.jobs.runner import run_due, worker_id

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, engine: Engine, settings: Any) -> None:
        self.engine = engine
        self.settings = settings
        self.worker = worker_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="zhengqi-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        # First tick after one interval: startup (migrations, seed, index) comes first.
        while not self._stop.wait(self.settings.scheduler_tick_seconds):
            try:
                run_due(self.engine, settings=self.settings, worker=self.worker)
            except Exception:  # noqa: BLE001  (a database hiccup must not end the thread)
                log.exception("scheduler tick failed")

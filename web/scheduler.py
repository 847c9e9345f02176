"""The scheduler thread each worker runs: every tick it runs the jobs that are due and whose
database lease it wins, so several workers never run the same job twice."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from web.services.jobs.registry import JobSettings
from web.services.jobs.runner import run_due, worker_id
from web.services.matching.index import MatchPolicy
from web.settings import Settings

log = logging.getLogger(__name__)


def job_settings(settings: Settings) -> JobSettings:
    """What the jobs take from the platform's settings."""
    return JobSettings(policy=MatchPolicy(threshold=settings.match_threshold, top=settings.match_top_k),
                       stale_days=settings.stale_days, session_retention_days=settings.session_retention_days,
                       login_log_retention_days=settings.login_log_retention_days, tz=settings.tz)


class Scheduler:
    """Runs due jobs every ``scheduler_tick_seconds`` in a daemon thread, until stopped."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.tick_seconds = settings.scheduler_tick_seconds
        self.job_settings = job_settings(settings)
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
        while not self._stop.wait(self.tick_seconds):
            try:
                run_due(self.engine, settings=self.job_settings, worker=self.worker)
            except Exception:  # noqa: BLE001  (a database hiccup must not end the thread)
                log.exception("scheduler tick failed")

"""The job registry: what each job is called, does and how often it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from sqlmodel import Session

from web.presentation.times import DEFAULT_TIME_ZONE, local_zone, zone_label
from web.services.matching.index import MatchPolicy


@dataclass(frozen=True)
class JobSettings:
    """The platform settings jobs use, as plain values: the web layer builds them from its
    Settings (web.scheduler.job_settings), so no job reads the environment."""

    policy: MatchPolicy = field(default_factory=MatchPolicy)  # the nightly rematch's threshold and top-k
    stale_days: int = 14  # a pipeline match with no move for this long is reminded
    session_retention_days: int = 7  # ended sessions are deleted after this
    login_log_retention_days: int = 180  # 登录日志 is kept at least this long
    tz: tzinfo = field(default_factory=lambda: local_zone(DEFAULT_TIME_ZONE))  # daily jobs run at hours here


@dataclass(frozen=True)
class JobContext:
    """What a running job may need besides its session: the settings it uses and the clock."""

    now: datetime
    settings: JobSettings
    trigger: str  # schedule | manual


@dataclass(frozen=True)
class JobSpec:
    """A periodic job. ``run`` does the work in the given session, commits, and returns a
    one-line Chinese summary; raising marks the run failed (its session is rolled back).

    ``every`` is the interval; with ``at_hour`` the job instead runs daily at that hour in the
    platform's zone (``every`` is then ignored)."""

    name: str
    label: str
    run: Callable[[Session, JobContext], str]
    every: timedelta = timedelta(hours=1)
    at_hour: int | None = None
    description: str = ""
    lease: timedelta = field(default=timedelta(minutes=30))  # a crashed worker's lease expires

    def next_due(self, after: datetime, tz: tzinfo) -> datetime:
        """When the job is next due, counting from ``after`` (``at_hour`` is an hour in ``tz``)."""
        if self.at_hour is None:
            return after + self.every
        local = after.astimezone(tz)
        due = local.replace(hour=self.at_hour, minute=0, second=0, microsecond=0)
        if due <= local:
            due += timedelta(days=1)
        return due.astimezone(UTC)

    def schedule_label(self, tz: tzinfo) -> str:
        """The schedule in words; a daily hour is named with its zone (``tz``, the platform's)."""
        if self.at_hour is not None:
            return f"每天 {self.at_hour:02d}:00（{zone_label(tz)}）"
        minutes = int(self.every.total_seconds() // 60)
        if minutes % (24 * 60) == 0:
            return f"每 {minutes // (24 * 60)} 天"
        if minutes % 60 == 0:
            return f"每 {minutes // 60} 小时"
        return f"每 {minutes} 分钟"


_JOBS: dict[str, JobSpec] = {}


def register(spec: JobSpec) -> JobSpec:
    """Add a job; registering the same name twice is an error (two modules disagree)."""
    if spec.name in _JOBS and _JOBS[spec.name] is not spec:
        raise ValueError(f"job {spec.name!r} is registered twice")
    if spec.at_hour is not None and not 0 <= spec.at_hour <= 23:
        raise ValueError("at_hour must be 0–23")
    _JOBS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a job (tests register throwaway jobs)."""
    _JOBS.pop(name, None)


def all_jobs() -> list[JobSpec]:
    """Every registered job, by name (the runner imports the platform's jobs, which registers them)."""
    return sorted(_JOBS.values(), key=lambda s: s.name)


def get_job(name: str) -> JobSpec | None:
    return {s.name: s for s in all_jobs()}.get(name)

"""Run jobs once across workers: a conditional UPDATE takes a job's lease, so of several
workers (threads, processes, machines) exactly one runs each due job."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from models import Job, JobRun
from web.services import audit
from web.services.errors import Conflict, NotFound
from web.services.jobs import builtin  # noqa: F401  (importing it registers the platform's jobs)
from web.services.jobs.registry import JobContext, JobSettings, JobSpec, all_jobs, get_job

log = logging.getLogger(__name__)
RESULT_MAX = 500


def worker_id() -> str:
    """Names this process in the lease and the history: host, pid and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def ensure_jobs(session: Session, *, tz: tzinfo, now: datetime | None = None) -> None:
    """Give every registered job its row (first due per its schedule, daily hours in ``tz``). Commits."""
    now = now or datetime.now(UTC)
    known = set(session.exec(select(Job.name)).all())
    added = False
    for spec in all_jobs():
        if spec.name not in known:
            session.add(Job(name=spec.name, next_due_at=spec.next_due(now, tz) if spec.at_hour is not None else now))
            added = True
    if added:
        try:
            session.commit()
        except Exception:  # noqa: BLE001  (another worker inserted the same rows first)
            session.rollback()


def _acquire(engine: Engine, spec: JobSpec, *, worker: str, now: datetime, force: bool) -> bool:
    """Take the job's lease if it is free (and due, unless forced); True if this worker got it."""
    due = or_(col(Job.next_due_at).is_(None), col(Job.next_due_at) <= now)
    stmt = update(Job).where(col(Job.name) == spec.name, col(Job.enabled).is_(True),
                             or_(col(Job.lease_until).is_(None), col(Job.lease_until) < now))
    if not force:
        stmt = stmt.where(due)
    with Session(engine) as session:
        result = session.exec(stmt.values(lease_owner=worker, lease_until=now + spec.lease,  # type: ignore[call-overload]
                                          last_started_at=now)
                              .execution_options(synchronize_session=False))
        session.commit()
        return result.rowcount == 1


@dataclass(frozen=True)
class RunOutcome:
    job: str
    ok: bool
    result: str
    duration_ms: int


def _run_leased(engine: Engine, spec: JobSpec, *, worker: str, settings: JobSettings, trigger: str,
                started: datetime) -> RunOutcome:
    clock = time.monotonic()
    try:
        with Session(engine) as session:
            result = spec.run(session, JobContext(now=started, settings=settings, trigger=trigger))
        ok = True
    except Exception as exc:  # noqa: BLE001  (any failure is recorded, never kills the scheduler)
        log.exception("job %s failed", spec.name)
        ok, result = False, f"失败：{type(exc).__name__}: {exc}"
    duration = int((time.monotonic() - clock) * 1000)
    finished = datetime.now(UTC)
    with Session(engine) as session:
        session.exec(update(Job).where(col(Job.name) == spec.name, col(Job.lease_owner) == worker)  # type: ignore[call-overload]
                     .values(lease_owner=None, lease_until=None,
                             next_due_at=spec.next_due(finished, settings.tz), last_finished_at=finished,
                             last_duration_ms=duration, last_ok=ok, last_result=str(result)[:RESULT_MAX])
                     .execution_options(synchronize_session=False))
        session.add(JobRun(job=spec.name, trigger=trigger, worker=worker[:100], started_at=started,
                           finished_at=finished, duration_ms=duration, ok=ok, result=str(result)[:RESULT_MAX]))
        session.commit()
    return RunOutcome(spec.name, ok, str(result), duration)


def run_due(engine: Engine, *, settings: JobSettings, worker: str, now: datetime | None = None) -> list[RunOutcome]:
    """Run every job that is due and whose lease this worker wins; returns what ran here."""
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        ensure_jobs(session, tz=settings.tz, now=now)
    outcomes = []
    for spec in all_jobs():
        if _acquire(engine, spec, worker=worker, now=now, force=False):
            outcomes.append(_run_leased(engine, spec, worker=worker, settings=settings, trigger="schedule",
                                        started=now))
    return outcomes


def run_now(engine: Engine, *, name: str, actor_id: int, settings: JobSettings, worker: str) -> RunOutcome:
    """An admin's "run now": runs the job in this request unless another worker is running it."""
    spec = get_job(name)
    if spec is None:
        raise NotFound("未找到该定时任务")
    now = datetime.now(UTC)
    with Session(engine) as session:
        ensure_jobs(session, tz=settings.tz, now=now)
        row = session.get(Job, name)
        if row is not None and not row.enabled:
            raise Conflict("该任务已停用，请先启用")
    if not _acquire(engine, spec, worker=worker, now=now, force=True):
        raise Conflict("该任务正在其他进程中运行，请稍后刷新查看结果")
    with Session(engine) as session:
        audit.record(session, actor_id=actor_id, action="job.run", object_type="job", detail={"job": name})
        session.commit()
    return _run_leased(engine, spec, worker=worker, settings=settings, trigger="manual", started=now)


def set_enabled(session: Session, *, actor_id: int, name: str, enabled: bool, tz: tzinfo) -> Job:
    """Pause or resume a job's schedule (a job without its row yet gets one, due per ``tz``). Commits."""
    if get_job(name) is None:
        raise NotFound("未找到该定时任务")
    ensure_jobs(session, tz=tz)
    row = session.get(Job, name)
    assert row is not None
    row.enabled = enabled
    session.add(row)
    audit.record(session, actor_id=actor_id, action="job.enable" if enabled else "job.disable",
                 object_type="job", detail={"job": name})
    session.commit()
    return row


@dataclass(frozen=True)
class JobStatus:
    spec: JobSpec
    row: Job
    recent: list[JobRun]

    @property
    def running(self) -> bool:
        until = self.row.lease_until
        if until is None:
            return False
        return until > datetime.now(UTC)


def list_status(session: Session, *, history: int = 5) -> list[JobStatus]:
    """Every job with its row (last run, duration, result, next due) and recent runs.
    Reads only: a job whose row the scheduler has not created yet shows as never run."""
    rows = {r.name: r for r in session.exec(select(Job)).all()}
    out = []
    for spec in all_jobs():
        recent = list(session.exec(select(JobRun).where(JobRun.job == spec.name)
                                   .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
                                   .limit(history)).all())
        out.append(JobStatus(spec, rows.get(spec.name) or Job(name=spec.name), recent))
    return out

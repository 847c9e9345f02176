"""Scheduled jobs (定时任务): one row per job holding its lease and last outcome, plus a run history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import timestamp_field


class Job(SQLModel, table=True):
    """A periodic job. ``lease_owner``/``lease_until`` make it run on one worker at a time:
    a worker takes the lease with one conditional UPDATE, which both SQLite and PostgreSQL
    apply atomically, so of several workers exactly one sees a changed row."""

    name: str = Field(primary_key=True, max_length=50)
    enabled: bool = True
    next_due_at: datetime | None = timestamp_field()
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = timestamp_field()
    last_started_at: datetime | None = timestamp_field()
    last_finished_at: datetime | None = timestamp_field()
    last_duration_ms: int | None = None
    last_ok: bool | None = None
    last_result: str = Field(default="", max_length=500)


class JobRun(SQLModel, table=True):
    """One run of a job, kept for the admin's history."""

    __table_args__ = (Index("ix_jobrun_job_started", "job", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=50)
    trigger: str = Field(max_length=16)  # schedule | manual
    worker: str = Field(default="", max_length=100)
    started_at: datetime = timestamp_field(nullable=False)
    finished_at: datetime | None = timestamp_field()
    duration_ms: int | None = None
    ok: bool | None = None
    result: str = Field(default="", max_length=500)

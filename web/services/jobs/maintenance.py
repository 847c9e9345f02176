"""Housekeeping: purge ended sessions, login attempts past their retention and expired retry keys."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from web.security.purge import purge_expired
from web.services.jobs.registry import JobContext, JobSpec, register


def purge_sessions_and_attempts(session: Session, ctx: JobContext) -> str:
    """What `zhengqi purge` does, on the hour: sessions that ended over ``session_retention_days``
    ago, login attempts older than ``login_log_retention_days`` (at least the six months the
    Cybersecurity Law asks of network logs), idle throttle counters and expired idempotency keys;
    never the audit log. Commits."""
    return purge_expired(session, now=ctx.now, session_retention_days=ctx.settings.session_retention_days,
                         login_log_retention_days=ctx.settings.login_log_retention_days).report()


PURGE = register(JobSpec(
    name="purge_sessions", label="清理过期会话与登录记录", run=purge_sessions_and_attempts,
    every=timedelta(hours=1),
    description="删除已过期或已退出超过保留期的会话、超过登录日志保留期（不少于180天）的登录尝试记录、"
                "闲置的登录限制计数和过期的幂等键；审计日志只追加，不清理。"))

"""Housekeeping: purge ended sessions and login attempts past their retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session, col

from models import LoginAttempt, UserSession
from web.security import throttle
from web.services.jobs.registry import JobContext, JobSpec, register


def purge_sessions_and_attempts(session: Session, ctx: JobContext) -> str:
    """Delete sessions that ended (expired or logged out) over ``session_retention_days`` ago
    and login attempts older than ``login_log_retention_days`` (登录日志 keeps at least the
    six months the Cybersecurity Law asks of network logs), and idle login-throttle counters. Commits."""
    ended_before = ctx.now - timedelta(days=ctx.settings.session_retention_days)
    sessions = session.exec(delete(UserSession).where(or_(  # type: ignore[call-overload]
        col(UserSession.expires_at) < ended_before, col(UserSession.revoked_at) < ended_before)))
    attempts = session.exec(delete(LoginAttempt).where(  # type: ignore[call-overload]
        col(LoginAttempt.created_at) < ctx.now - timedelta(days=ctx.settings.login_log_retention_days)))
    counters = throttle.purge_idle(session, now=ctx.now)
    session.commit()
    return (f"清理已结束会话 {sessions.rowcount} 个、过期登录记录 {attempts.rowcount} 条、"
            f"闲置登录限制计数 {counters} 个")


PURGE = register(JobSpec(
    name="purge_sessions", label="清理过期会话与登录记录", run=purge_sessions_and_attempts,
    every=timedelta(hours=1),
    description="删除已过期或已退出超过保留期的会话、超过登录日志保留期（不少于180天）的登录尝试记录，以及闲置的登录限制计数。"))

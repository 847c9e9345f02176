"""Housekeeping: delete what has outlived its retention, and never the audit log.

Ended sessions go after ``session_retention_days``; stored answers of idempotent writes
once they expire; login attempts (登录日志, a network log the
Cybersecurity Law asks to keep six months at least) after ``login_log_retention_days``, never
fewer than 180 days; idle login-throttle counters. The audit log is not touched at all: it is
append-only (the database refuses deletes) and kept for good, so its six months are always met.
``zhengqi purge`` runs this; a scheduler may run it as often as it likes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session, col

from models import LoginAttempt, UserSession
from web.security import throttle
from web.security.idempotency import purge_expired_keys

MIN_LOG_RETENTION_DAYS = 180  # 网络安全法 第二十一条: network logs kept six months at least


@dataclass(frozen=True)
class Purged:
    sessions: int
    login_attempts: int
    throttle_counters: int
    idempotency_keys: int = 0

    def report(self) -> str:
        return (f"清理已结束会话 {self.sessions} 个、过期登录记录 {self.login_attempts} 条、"
                f"闲置登录限制计数 {self.throttle_counters} 个、过期幂等键 {self.idempotency_keys} 个；"
                "审计日志不清理（只追加，长期保留）")


def purge_expired(session: Session, *, now: datetime, session_retention_days: int,
                  login_log_retention_days: int) -> Purged:
    """Delete ended sessions, old login attempts, idle throttle counters and expired
    idempotency keys. Commits."""
    log_days = max(login_log_retention_days, MIN_LOG_RETENTION_DAYS)
    ended_before = now - timedelta(days=max(session_retention_days, 0))
    sessions = session.execute(delete(UserSession).where(or_(
        col(UserSession.expires_at) < ended_before, col(UserSession.revoked_at) < ended_before)))
    attempts = session.execute(delete(LoginAttempt).where(
        col(LoginAttempt.created_at) < now - timedelta(days=log_days)))
    counters = throttle.purge_idle(session, now=now)
    keys = purge_expired_keys(session, now=now)
    session.commit()
    return Purged(sessions=sessions.rowcount, login_attempts=attempts.rowcount, throttle_counters=counters,
                  idempotency_keys=keys)

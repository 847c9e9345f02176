"""Login throttling by account, by address and by the pair, with growing delays.

Every attempt is counted as a failure *before* its password is checked, in a transaction
that locks the counters (SELECT … FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE
serialises writers), so parallel guesses cannot all read the same count: each one pushes
the next allowed time further out. A correct password then takes its count back. Nothing
ever locks for good: the worst an attacker can do to someone else's account is make its
logins wait ``ACCOUNT.cap`` seconds, and an administrator can clear it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from models import LoginThrottle
from web.services.errors import TooManyAttempts

FORGET_AFTER = timedelta(minutes=15)  # a key quiet this long starts again from zero


@dataclass(frozen=True)
class Rule:
    prefix: str
    free: int  # failures allowed before any delay
    cap: int  # longest delay, seconds

    def delay(self, failures: int) -> timedelta:
        """1, 2, 4, 8 … seconds after the free failures, never more than ``cap``."""
        if failures <= self.free:
            return timedelta(0)
        return timedelta(seconds=min(self.cap, 2 ** min(failures - self.free - 1, 20)))


PAIR = Rule("p", free=3, cap=15 * 60)  # one address guessing one account
ADDRESS = Rule("a", free=20, cap=15 * 60)  # one address spraying many accounts
ACCOUNT = Rule("u", free=10, cap=60)  # many addresses on one account: slowed, never shut out


class LoginThrottled(TooManyAttempts):
    def __init__(self, wait: timedelta) -> None:
        self.wait_seconds = max(1, ceil(wait.total_seconds()))
        when = f"{self.wait_seconds} 秒" if self.wait_seconds < 120 else f"{ceil(self.wait_seconds / 60)} 分钟"
        super().__init__(f"登录失败次数过多，请 {when}后再试")


def _keys(username: str, ip: str) -> dict[str, Rule]:
    name = username.strip().lower()[:80]
    address = ip[:64] or "-"
    return {f"{PAIR.prefix}:{name}|{address}": PAIR, f"{ADDRESS.prefix}:{address}": ADDRESS,
            f"{ACCOUNT.prefix}:{name}": ACCOUNT}


def _lock_rows(session: Session, keys: list[str], now: datetime) -> list[LoginThrottle]:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(
        [{"key": k, "failures": 0, "next_allowed_at": now, "updated_at": now} for k in keys]
    ).on_conflict_do_nothing(index_elements=["key"]))
    # Sorted, so two logins lock the same rows in the same order and never deadlock.
    return list(session.exec(select(LoginThrottle).where(col(LoginThrottle.key).in_(keys))
                             .order_by(LoginThrottle.key).with_for_update()
                             .execution_options(populate_existing=True)).all())


def reserve_attempt(session: Session, *, username: str, ip: str, now: datetime) -> None:
    """Count this attempt before its password is checked (commits); raise LoginThrottled if early."""
    rules = _keys(username, ip)
    rows = _lock_rows(session, sorted(rules), now)
    waits = [row.next_allowed_at - now for row in rows if row.next_allowed_at > now]
    if waits:
        session.rollback()
        raise LoginThrottled(max(waits))
    for row in rows:
        row.failures = 1 if now - row.updated_at > FORGET_AFTER else row.failures + 1
        row.next_allowed_at = now + rules[row.key].delay(row.failures)
        row.updated_at = now
        session.add(row)
    session.commit()


def attempt_succeeded(session: Session, *, username: str, ip: str, now: datetime) -> None:
    """The password was right: clear the account and pair, give the address its count back (flushes)."""
    rules = _keys(username, ip)
    for row in _lock_rows(session, sorted(rules), now):
        rule = rules[row.key]
        row.failures = max(0, row.failures - 1) if rule is ADDRESS else 0
        row.next_allowed_at = min(row.next_allowed_at, now + rule.delay(row.failures))
        session.add(row)
    session.flush()


def clear_account(session: Session, *, username: str) -> int:
    """Forget every failure counted against ``username`` (an administrator's unlock; flushes)."""
    name = username.strip().lower()
    result = session.execute(delete(LoginThrottle).where(or_(
        LoginThrottle.key == f"{ACCOUNT.prefix}:{name}",
        col(LoginThrottle.key).startswith(f"{PAIR.prefix}:{name}|", autoescape=True))))
    session.flush()
    return result.rowcount


def purge_idle(session: Session, *, now: datetime) -> int:
    """Delete counters that have been quiet past FORGET_AFTER and have nothing to wait for (flushes)."""
    result = session.execute(delete(LoginThrottle).where(
        LoginThrottle.updated_at < now - FORGET_AFTER, LoginThrottle.next_allowed_at <= now))
    session.flush()
    return result.rowcount

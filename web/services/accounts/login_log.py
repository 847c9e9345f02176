"""登录日志: every login attempt, filtered and exported, with anomalies flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlmodel import Session, col, func, select

from models import LoginAttempt, User
from web.presentation.times import day_start
from web.services.excel import Sheet, workbook_bytes
from web.services.paging import Page

RESULTS = {"ok": "成功", "fail": "失败"}
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class LoginFilters:
    username: str | None = None
    ip: str | None = None
    result: str | None = None  # "ok" | "fail"
    date_from: date | None = None
    date_to: date | None = None


def _where(stmt, f: LoginFilters, tz: tzinfo):  # type: ignore[no-untyped-def]
    if f.username and f.username.strip():
        stmt = stmt.where(col(LoginAttempt.username).like(f"%{f.username.strip().lower()[:50]}%"))
    if f.ip and f.ip.strip():
        stmt = stmt.where(col(LoginAttempt.ip).startswith(f.ip.strip()[:64]))
    if f.result in RESULTS:
        stmt = stmt.where(col(LoginAttempt.success).is_(f.result == "ok"))
    if f.date_from:
        stmt = stmt.where(col(LoginAttempt.created_at) >= day_start(f.date_from, tz))
    if f.date_to:
        stmt = stmt.where(col(LoginAttempt.created_at) < day_start(f.date_to + timedelta(days=1), tz))
    return stmt


def list_attempts(session: Session, *, filters: LoginFilters, tz: tzinfo, page: int = 1,
                  per_page: int = 50) -> Page:
    """Login attempts, newest first; the dates are days in the platform's zone ``tz``."""
    page = max(1, page)
    total = session.exec(_where(select(func.count()).select_from(LoginAttempt), filters, tz)).one()
    rows = session.exec(_where(select(LoginAttempt), filters, tz)
                        .order_by(col(LoginAttempt.created_at).desc(), col(LoginAttempt.id).desc())
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), total, page, per_page)


def attempts_xlsx(session: Session, *, filters: LoginFilters, tz: tzinfo) -> bytes:
    """The filtered attempts as an Excel workbook (dates and times in the platform's zone ``tz``)."""
    rows = session.exec(_where(select(LoginAttempt), filters, tz)
                        .order_by(col(LoginAttempt.created_at).desc()).limit(EXPORT_LIMIT)).all()
    return workbook_bytes([Sheet("登录日志", ["时间", "账号", "IP地址", "浏览器", "结果"], (
        (a.created_at, a.username, a.ip, a.user_agent, "成功" if a.success else "失败")
        for a in rows))], tz=tz)


@dataclass(frozen=True)
class Anomaly:
    kind: str  # account_burst | address_burst | admin_new_address
    subject: str  # the account or the address
    count: int
    first_at: datetime
    last_at: datetime

    @property
    def label(self) -> str:
        return {"account_burst": "同一账号短时间内多次登录失败",
                "address_burst": "同一地址短时间内多次登录失败",
                "admin_new_address": "管理员账号从新地址登录"}[self.kind]


def _bursts(attempts: list[LoginAttempt], key: str, kind: str, window: timedelta,
            threshold: int) -> list[Anomaly]:
    """Per account or address: each run of >= threshold failures within ``window``."""
    by_subject: dict[str, list[datetime]] = {}
    for a in attempts:
        subject = getattr(a, key)
        if not a.success and subject:
            by_subject.setdefault(subject, []).append(a.created_at)
    found = []
    for subject, times in by_subject.items():
        times.sort()
        start = 0
        best: tuple[int, int] | None = None
        for end in range(len(times)):
            while times[end] - times[start] > window:
                start += 1
            if end - start + 1 >= threshold and (best is None or end - start > best[1] - best[0]):
                best = (start, end)
        if best:
            found.append(Anomaly(kind, subject, best[1] - best[0] + 1, times[best[0]], times[best[1]]))
    return found


def anomalies(session: Session, *, days: int = 7, window_minutes: int = 15, threshold: int = 5,
              now: datetime | None = None) -> list[Anomaly]:
    """Flags over the last ``days``: bursts of failures for one account or from one address, and
    an administrator signing in from an address that account never used before."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    recent = list(session.exec(select(LoginAttempt).where(col(LoginAttempt.created_at) >= since)
                               .order_by(col(LoginAttempt.created_at))).all())
    window = timedelta(minutes=window_minutes)
    found = _bursts(recent, "username", "account_burst", window, threshold)
    found += _bursts(recent, "ip", "address_burst", window, threshold)
    admins = {u.lower() for u in session.exec(select(User.username).where(User.role == "admin")).all()}
    for a in recent:
        if not (a.success and a.username in admins and a.ip):
            continue
        seen_before = session.exec(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == a.username, LoginAttempt.ip == a.ip, col(LoginAttempt.success).is_(True),
            col(LoginAttempt.created_at) < a.created_at)).one()
        earlier_any = session.exec(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == a.username, col(LoginAttempt.success).is_(True),
            col(LoginAttempt.created_at) < a.created_at)).one()
        # The very first login of an account has no "usual" address to differ from.
        if not seen_before and earlier_any:
            found.append(Anomaly("admin_new_address", f"{a.username} @ {a.ip}", 1,
                                 a.created_at, a.created_at))
    return sorted(found, key=lambda x: x.last_at, reverse=True)

"""Times shown to people: one zone (Settings.time_zone, Asia/Shanghai by default) for every
page, message and export. Stored times are UTC (read back aware: models.base.UTCDateTime);
a naive value is read as UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Shanghai"
# China has kept UTC+8 without summer time since 1991: exact where no tz database is installed.
_FIXED_ZONES = {DEFAULT_TIME_ZONE: timezone(timedelta(hours=8), "北京时间")}
TIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y-%m-%d"


def local_zone(name: str) -> tzinfo:
    """The named time zone from the system's tz database (or the fixed one above)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name in _FIXED_ZONES:
            return _FIXED_ZONES[name]
        raise ValueError(f"未知的时区“{name}”，请设置 ZHENGQI_TIME_ZONE，例如 {DEFAULT_TIME_ZONE}") from None


def now(tz: tzinfo) -> datetime:
    """The current moment in ``tz``: the one clock ``today`` reads (tests freeze it here)."""
    return datetime.now(tz)


def today(tz: tzinfo) -> date:
    """Today's date in ``tz``: a server clock in UTC is still on yesterday until 08:00 in Beijing."""
    return now(tz).date()


def default_today() -> date:
    """Today in the default zone: what a service counts from when its caller (a test, a script) gives
    no date; pages and jobs pass today in the configured zone."""
    return today(local_zone(DEFAULT_TIME_ZONE))


def zone_label(tz: tzinfo) -> str:
    """How pages name the zone: 北京时间 for the default one, otherwise its key (e.g. Europe/Berlin)."""
    key = getattr(tz, "key", None)
    if key == DEFAULT_TIME_ZONE or tz is _FIXED_ZONES[DEFAULT_TIME_ZONE]:
        return "北京时间"
    return key or str(tz)


def as_local(value: datetime, tz: tzinfo) -> datetime:
    """A stored timestamp in the local zone (naive means UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(tz)


def day_start(day: date, tz: tzinfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``tz``: a date people pick means their own day."""
    return datetime.combine(day, time.min, tz).astimezone(UTC)


def naive_local(value: datetime, tz: tzinfo) -> datetime:
    """Local wall-clock time without a zone: what a spreadsheet cell can hold."""
    return as_local(value, tz).replace(tzinfo=None)


def formatters(tz: tzinfo) -> dict[str, Callable[[datetime | date | None], str]]:
    """The template globals fmt_time and fmt_date, bound to the platform's zone."""

    def fmt_time(value: datetime | date | None) -> str:
        if value is None:
            return "—"
        if not isinstance(value, datetime):
            return value.strftime(DATE_FORMAT)
        return as_local(value, tz).strftime(TIME_FORMAT)

    def fmt_date(value: datetime | date | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = as_local(value, tz)
        return value.strftime(DATE_FORMAT)

    return {"fmt_time": fmt_time, "fmt_date": fmt_date}

"""定期走访: each key enterprise's visit schedule, the visit log, and when the next visit is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from models import Visit, VisitSchedule
from web.presentation.times import default_today
from web.services import audit
from web.services.errors import ValidationFailed
from web.services.form_text import required_text
from web.services.liaison.assignments import enterprise

INTERVALS = {30: "每月", 91: "每季度", 182: "每半年", 365: "每年"}
VISITORS_MAX, SUMMARY_MAX = 100, 2000
EARLIEST = date(2000, 1, 1)


def _date(errors: dict[str, str], values: dict[str, Any], key: str, label: str) -> date | None:
    raw = str(values.get(key) or "").strip()
    if not raw:
        errors[key] = f"请填写{label}"
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = f"{label}格式应为 YYYY-MM-DD"
        return None


def set_schedule(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any]) -> VisitSchedule:
    """Set how often the enterprise is visited and from when. Commits."""
    enterprise(session, org_id)
    errors: dict[str, str] = {}
    raw = str(values.get("interval_days") or "").strip()
    interval = int(raw) if raw.isdigit() else None
    if interval not in INTERVALS:
        errors["interval_days"] = "请选择走访频次（每月、每季度、每半年或每年）"
    starts_on = _date(errors, values, "starts_on", "起始日期")
    if starts_on is not None and starts_on < EARLIEST:
        errors["starts_on"] = "起始日期不能早于2000年"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    schedule = session.exec(select(VisitSchedule).where(VisitSchedule.org_id == org_id)).first()
    if schedule is None:
        schedule = VisitSchedule(org_id=org_id, interval_days=interval or 0, starts_on=starts_on or EARLIEST)
    schedule.interval_days, schedule.starts_on = interval or 0, starts_on or EARLIEST
    schedule.set_by, schedule.updated_at = actor_id, datetime.now(UTC)
    session.add(schedule)
    session.flush()
    audit.record(session, actor_id=actor_id, action="liaison.schedule", object_type="organisation",
                 object_id=org_id, detail={"interval_days": interval, "starts_on": str(starts_on)})
    session.commit()
    return schedule


def record_visit(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any],
                 today: date | None = None) -> Visit:
    """Log a visit that took place (date, who went, what was discussed). Commits."""
    enterprise(session, org_id)
    today = today or default_today()
    errors: dict[str, str] = {}
    visited_on = _date(errors, values, "visited_on", "走访日期")
    if visited_on is not None and visited_on > today:
        errors["visited_on"] = "走访日期不能晚于今天：请记录已经进行的走访"
    elif visited_on is not None and visited_on < EARLIEST:
        errors["visited_on"] = "走访日期不能早于2000年"
    visitors = required_text(errors, values, "visitors", "走访人员", VISITORS_MAX)
    summary = required_text(errors, values, "summary", "走访内容", SUMMARY_MAX)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    visit = Visit(org_id=org_id, visited_on=visited_on or today, visitors=visitors, summary=summary,
                  recorded_by=actor_id)
    session.add(visit)
    session.flush()
    audit.record(session, actor_id=actor_id, action="liaison.visit", object_type="organisation", object_id=org_id,
                 detail={"visit_id": visit.id, "visited_on": str(visited_on)})
    session.commit()
    return visit


def visits_of(session: Session, *, org_id: int) -> list[Visit]:
    return list(session.exec(select(Visit).where(Visit.org_id == org_id)
                             .order_by(col(Visit.visited_on).desc(), col(Visit.id).desc())).all())


def schedule_of(session: Session, *, org_id: int) -> VisitSchedule | None:
    return session.exec(select(VisitSchedule).where(VisitSchedule.org_id == org_id)).first()


def next_due(schedule: VisitSchedule, last_visit: date | None) -> date:
    """When the next visit is due: one interval after the last visit on or after the schedule's
    start, or one interval after the start when there is none yet."""
    base = last_visit if last_visit is not None and last_visit >= schedule.starts_on else schedule.starts_on
    return base + timedelta(days=schedule.interval_days)


def last_visits(session: Session) -> dict[int, date]:
    """The latest visit date of every visited enterprise."""
    return {org_id: d for org_id, d in session.exec(
        select(Visit.org_id, func.max(Visit.visited_on)).group_by(col(Visit.org_id))).all()}

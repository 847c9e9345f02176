"""包联 job: the daily reminder of overdue visits and overdue 诉求."""

from __future__ import annotations

from sqlmodel import Session

from web.services.jobs.registry import JobContext, JobSpec, register
from web.services.liaison.workspace import send_overdue_reminders


def liaison_overdue_reminders(session: Session, ctx: JobContext) -> str:
    """Remind leads of overdue visits and 诉求, counted on today's date in the platform's zone. Commits."""
    r = send_overdue_reminders(session, today=ctx.now.astimezone(ctx.settings.tz).date())
    return f"走访逾期 {r.visits} 家，诉求逾期 {r.appeals} 件，本次新提醒 {r.sent} 条"


OVERDUE = register(JobSpec(
    name="liaison_overdue_reminders", label="包联逾期提醒", run=liaison_overdue_reminders, at_hour=8,
    description="每天提醒包联责任人（无责任人时提醒全体服务专员）逾期未走访的重点企业和超过办结时限仍未办结的诉求；"
                "同一事项每天最多提醒一次。"))

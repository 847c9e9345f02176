"""Match jobs: remind both sides and staff of stalled matches; the nightly full rematch."""

from __future__ import annotations

from sqlmodel import Session

from models.match import IN_PROGRESS, PIPELINE_STAGES
from web.services.jobs.registry import JobContext, JobSpec, register
from web.services.matches.pipeline import board
from web.services.matching.proposals import rebuild_proposals
from web.services.notifications import Target, notify, notify_staff


def remind_stalled_matches(session: Session, ctx: JobContext) -> str:
    """Notify both organisations and staff of each match with no progress for ``stale_days``.
    Once per stall: a match that moves and stalls again is reminded again. Commits."""
    stale_days = ctx.settings.stale_days
    columns = board(session, stale_days=stale_days, stale_only=True).columns
    cards = [c for status in PIPELINE_STAGES if status in IN_PROGRESS for c in columns.get(status, [])]
    reminded = 0
    for card in cards:
        m, v = card.view.match, card.view
        key = f"stale:{m.id}:{card.last_move_at:%Y%m%d%H%M}"
        title = f"匹配已 {card.days_since_move} 天无进展：{v.need.title[:40]}"
        body = f"需求「{v.need.title}」与服务「{v.offer.title}」的匹配已超过 {stale_days} 天没有进展，请跟进。"
        target = Target("match", m.id or 0)
        sent = [notify(session, org_id=org.id, kind="match_stalled", title=title, body=body, target=target,
                       match_id=m.id, dedupe_key=key) for org in (v.enterprise, v.provider)]
        staff = notify_staff(session, kind="match_stalled", title=title, body=body, target=target,
                             match_id=m.id, dedupe_key=key)
        reminded += any(sent) or staff > 0
    session.commit()
    return f"{len(cards)} 个匹配超过 {stale_days} 天无进展，本次新提醒 {reminded} 个"


def nightly_rematch(session: Session, ctx: JobContext) -> str:
    """Refit on every open posting and propose new matches (commits inside)."""
    created = rebuild_proposals(session, policy=ctx.settings.policy)
    return f"全量重新匹配完成，新增匹配建议 {created} 条"


REMINDERS = register(JobSpec(
    name="stalled_match_reminders", label="停滞匹配提醒", run=remind_stalled_matches, at_hour=9,
    description="每天提醒企业、服务机构和服务专员跟进超过设定天数无进展的匹配（同一次停滞只提醒一次）。"))
REMATCH = register(JobSpec(
    name="nightly_rematch", label="夜间全量重新匹配", run=nightly_rematch, at_hour=2,
    description="每晚用全部开放的需求与服务重新拟合并匹配，新增的匹配建议进入审核队列并通知双方。"))

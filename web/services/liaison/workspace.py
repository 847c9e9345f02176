"""The liaison workspace: key enterprises with their lead, next visit and open 诉求, the overdue
flags, and the reminders job that tells each lead what is overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from models import LiaisonAssignment, Organisation, PoolMember, User, VisitSchedule
from models.cultivation import PoolKind
from web.presentation.times import default_today
from web.services import notifications
from web.services.cultivation.pools import pool_by_kind
from web.services.liaison import appeals, visits
from web.services.notifications import Target

OVERDUE_RULE = ("走访逾期：距上次走访（无走访记录时自走访计划起始日）已超过走访周期；"
                "诉求逾期：超过办结时限仍未办结。")


@dataclass
class KeyEnterprise:
    org: Organisation
    lead: User | None = None
    helpers: list[User] = field(default_factory=list)
    schedule: VisitSchedule | None = None
    last_visit: date | None = None
    next_due: date | None = None
    open_appeals: int = 0
    overdue_appeals: int = 0

    def visit_overdue(self, today: date) -> bool:
        return self.next_due is not None and self.next_due < today

    @property
    def staff_ids(self) -> set[int]:
        return {u.id or 0 for u in ([self.lead] if self.lead else []) + self.helpers}


@dataclass(frozen=True)
class Workspace:
    today: date
    enterprises: list[KeyEnterprise]
    overdue_visits: list[KeyEnterprise]
    overdue_appeals: list[appeals.AppealRow]


def key_enterprises(session: Session, *, today: date) -> list[KeyEnterprise]:
    """Enterprises on the 新动能 whitelist, or with liaison staff, a visit schedule or an open 诉求."""
    whitelist = pool_by_kind(session, PoolKind.whitelist)
    ids = set(session.exec(select(PoolMember.org_id).where(PoolMember.pool_id == whitelist.id,
                                                           col(PoolMember.left_at).is_(None))).all())
    active = session.exec(select(LiaisonAssignment, User).join(User, col(User.id) == LiaisonAssignment.user_id)
                          .where(col(LiaisonAssignment.ended_at).is_(None))).all()
    schedules = {s.org_id: s for s in session.exec(select(VisitSchedule)).all()}
    open_appeals = appeals.list_appeals(session, open_only=True)
    ids |= {a.org_id for a, _ in active} | set(schedules) | {r.appeal.org_id for r in open_appeals}
    if not ids:
        return []
    orgs = session.exec(select(Organisation).where(col(Organisation.id).in_(ids)).order_by(col(Organisation.name)))
    rows = {o.id or 0: KeyEnterprise(o) for o in orgs.all()}
    for a, u in active:
        row = rows[a.org_id]
        if a.role == "lead":
            row.lead = u
        else:
            row.helpers.append(u)
    last = visits.last_visits(session)
    for org_id, row in rows.items():
        row.schedule = schedules.get(org_id)
        row.last_visit = last.get(org_id)
        if row.schedule is not None:
            row.next_due = visits.next_due(row.schedule, row.last_visit)
    for r in open_appeals:
        if r.appeal.org_id in rows:
            rows[r.appeal.org_id].open_appeals += 1
            rows[r.appeal.org_id].overdue_appeals += r.overdue(today)
    return list(rows.values())


def workspace(session: Session, *, today: date | None = None, user_id: int | None = None) -> Workspace:
    """The key enterprises (only those ``user_id`` looks after, when given) and what is overdue."""
    today = today or default_today()
    rows = key_enterprises(session, today=today)
    if user_id is not None:
        rows = [r for r in rows if user_id in r.staff_ids]
    ids = {r.org.id for r in rows}
    late = [a for a in appeals.list_appeals(session, open_only=True) if a.overdue(today) and a.org.id in ids]
    return Workspace(today, rows, [r for r in rows if r.visit_overdue(today)],
                     sorted(late, key=lambda a: a.appeal.deadline))


def overdue_count(session: Session, *, user_id: int, today: date | None = None) -> int:
    """Overdue visits and 诉求 of the enterprises a staff member looks after (workspace banner)."""
    ws = workspace(session, today=today, user_id=user_id)
    return len(ws.overdue_visits) + len(ws.overdue_appeals)


@dataclass(frozen=True)
class Reminded:
    visits: int  # enterprises overdue for a visit
    appeals: int  # 诉求 past their deadline
    sent: int  # notifications queued now (an item is told once a day)


def send_overdue_reminders(session: Session, *, today: date | None = None) -> Reminded:
    """Tell each overdue item's lead (every staff member when there is no lead), at most once
    a day per item. Commits. The scheduler runs it daily (web.services.jobs.liaison_jobs)."""
    ws = workspace(session, today=today)
    sent = 0
    for row in ws.overdue_visits:
        title = f"走访逾期：{row.org.name}（应于 {row.next_due} 前走访）"
        sent += _tell(session, row, title, f"visit:{row.org.id}:{ws.today}", Target("key_enterprise", row.org.id or 0))
    by_org = {r.org.id: r for r in ws.enterprises}
    for a in ws.overdue_appeals:
        title = f"诉求逾期：{a.org.name} · {a.appeal.category}（办结时限 {a.appeal.deadline}，{a.appeal.department}）"
        sent += _tell(session, by_org[a.org.id], title, f"appeal:{a.appeal.id}:{ws.today}",
                      Target("appeal", a.appeal.id or 0))
    session.commit()
    return Reminded(len(ws.overdue_visits), len(ws.overdue_appeals), sent)


def _tell(session: Session, row: KeyEnterprise, title: str, key: str, target: Target) -> int:
    if row.lead is not None:
        return int(notifications.notify(session, user_id=row.lead.id, kind="system", title=title, target=target,
                                        dedupe_key=f"liaison:{key}") is not None)
    return notifications.notify_staff(session, kind="system", title=title, target=target,
                                      dedupe_key=f"liaison:{key}")

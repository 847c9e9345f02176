"""重点企业包联: assignments, visit schedules and logs, 诉求 to closure, overdue rules and reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from models import Appeal, AppealStep, LiaisonAssignment, Notification, Visit, VisitSchedule
from tests.factories import make_org, make_user
from web.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from web.services.liaison import appeals, assignments, visits, workspace

TODAY = date(2026, 3, 31)


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_one_lead_and_helpers(session: Session) -> None:
    org = make_org(session)
    a, b, c = (make_user(session, role="staff") for _ in range(3))
    assignments.assign(session, org_id=org.id, user_id=a.id, role="lead", actor_id=a.id)
    assignments.assign(session, org_id=org.id, user_id=b.id, role="helper", actor_id=a.id)
    with pytest.raises(Conflict):
        assignments.assign(session, org_id=org.id, user_id=b.id, role="helper", actor_id=a.id)
    session.rollback()
    assignments.assign(session, org_id=org.id, user_id=c.id, role="lead", actor_id=a.id)  # replaces a
    now = assignments.current(session, org_id=org.id)
    assert [(r.user.id, r.assignment.role) for r in now] == [(c.id, "lead"), (b.id, "helper")]
    assert _count(session, LiaisonAssignment) == 3  # a's stint ended but is kept


@pytest.mark.parametrize("who", ["enterprise", "official", "inactive"])
def test_only_active_staff_can_be_assigned(session: Session, who: str) -> None:
    org = make_org(session)
    user = make_user(session, role="staff", is_active=False) if who == "inactive" else \
        make_user(session, role=who, org=org if who == "enterprise" else None)
    with pytest.raises(ValidationFailed):
        assignments.assign(session, org_id=org.id, user_id=user.id, role="lead", actor_id=user.id)
    session.rollback()
    assert _count(session, LiaisonAssignment) == 0


def test_provider_is_not_a_key_enterprise(session: Session) -> None:
    prov = make_org(session, kind="intermediary")
    staff = make_user(session, role="staff")
    with pytest.raises(NotFound):
        assignments.assign(session, org_id=prov.id, user_id=staff.id, role="lead", actor_id=staff.id)


@pytest.mark.parametrize(("values", "field"), [
    ({"visited_on": (TODAY + timedelta(days=1)).isoformat(), "visitors": "赵专员", "summary": "了解融资需求"},
     "visited_on"),
    ({"visited_on": "2026/03/01", "visitors": "赵专员", "summary": "x"}, "visited_on"),
    ({"visited_on": "", "visitors": "赵专员", "summary": "x"}, "visited_on"),
    ({"visited_on": "2026-03-01", "visitors": "", "summary": "x"}, "visitors"),
    ({"visited_on": "2026-03-01", "visitors": "赵专员", "summary": ""}, "summary"),
    ({"visited_on": "2026-03-01", "visitors": "赵专员", "summary": "长" * 2001}, "summary"),
])
def test_bad_visits_write_nothing(session: Session, values: dict, field: str) -> None:
    org, staff = make_org(session), make_user(session, role="staff")
    with pytest.raises(ValidationFailed) as exc:
        visits.record_visit(session, org_id=org.id, actor_id=staff.id, values=values, today=TODAY)
    assert field in exc.value.errors
    session.rollback()
    assert _count(session, Visit) == 0


def test_visit_in_the_future_says_so(session: Session) -> None:
    org, staff = make_org(session), make_user(session, role="staff")
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        visits.record_visit(session, org_id=org.id, actor_id=staff.id, today=TODAY, values={
            "visited_on": "2026-04-01", "visitors": "x", "summary": "x"})


@pytest.mark.parametrize(("values", "field"), [
    ({"interval_days": "45", "starts_on": "2026-01-01"}, "interval_days"),
    ({"interval_days": "91", "starts_on": ""}, "starts_on"),
    ({"interval_days": "91", "starts_on": "1999-12-31"}, "starts_on"),
])
def test_bad_schedules_write_nothing(session: Session, values: dict, field: str) -> None:
    org, staff = make_org(session), make_user(session, role="staff")
    with pytest.raises(ValidationFailed) as exc:
        visits.set_schedule(session, org_id=org.id, actor_id=staff.id, values=values)
    assert field in exc.value.errors
    session.rollback()
    assert _count(session, VisitSchedule) == 0


def test_visit_overdue_rule(session: Session) -> None:
    staff = make_user(session, role="staff")
    org = make_org(session)
    visits.set_schedule(session, org_id=org.id, actor_id=staff.id,
                        values={"interval_days": "91", "starts_on": "2025-12-01"})
    row = lambda today: next(r for r in workspace.key_enterprises(session, today=today) if r.org.id == org.id)  # noqa: E731
    # No visit yet: due one quarter after the start (2026-03-02); overdue from the day after.
    assert row(date(2026, 3, 2)).next_due == date(2026, 3, 2)
    assert not row(date(2026, 3, 2)).visit_overdue(date(2026, 3, 2))
    assert row(date(2026, 3, 3)).visit_overdue(date(2026, 3, 3))
    visits.record_visit(session, org_id=org.id, actor_id=staff.id, today=TODAY,
                        values={"visited_on": "2026-03-10", "visitors": "赵专员", "summary": "了解需求"})
    r = row(TODAY)
    assert (r.last_visit, r.next_due, r.visit_overdue(TODAY)) == (date(2026, 3, 10), date(2026, 6, 9), False)
    assert row(date(2026, 6, 10)).visit_overdue(date(2026, 6, 10))


def _appeal(**overrides: Any) -> dict[str, Any]:
    return {"category": "融资需求", "description": "希望对接知识产权质押贷款", "department": "区金融工作局",
            "deadline": (TODAY + timedelta(days=30)).isoformat(), **overrides}


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"department": ""}, "department", "须有部门负责"),
    ({"department": "不存在的部门"}, "department", "从列表中选择"),
    ({"category": "随便"}, "category", "诉求类别"),
    ({"description": " "}, "description", "诉求内容"),
    ({"deadline": ""}, "deadline", "办结时限"),
    ({"deadline": (TODAY - timedelta(days=1)).isoformat()}, "deadline", "不能早于今天"),
])
def test_bad_appeals_write_nothing(session: Session, overrides: dict, field: str, message: str) -> None:
    org, staff = make_org(session), make_user(session, role="staff")
    with pytest.raises(ValidationFailed) as exc:
        appeals.raise_appeal(session, org_id=org.id, actor_id=staff.id, values=_appeal(**overrides), today=TODAY)
    assert message in exc.value.errors[field]
    session.rollback()
    assert (_count(session, Appeal), _count(session, AppealStep), _count(session, Notification)) == (0, 0, 0)


def test_appeal_followed_to_closure(session: Session) -> None:
    org, other = make_org(session), make_org(session)
    staff = make_user(session, role="staff")
    a = appeals.raise_appeal(session, org_id=org.id, actor_id=staff.id, values=_appeal(), today=TODAY)
    appeals.raise_appeal(session, org_id=other.id, actor_id=staff.id, values=_appeal(category="人才引进"), today=TODAY)
    appeals.add_step(session, appeal_id=a.id, actor_id=staff.id,
                     values={"to_status": "processing", "note": "已转区金融工作局，对接两家银行", "shared": "1"})
    appeals.add_step(session, appeal_id=a.id, actor_id=staff.id, values={"note": "内部：银行要求补充财务报表"})
    with pytest.raises(ValidationFailed, match="办结情况"):
        appeals.add_step(session, appeal_id=a.id, actor_id=staff.id, values={"to_status": "closed", "note": ""})
    session.rollback()
    with pytest.raises(InvalidTransition):
        appeals.add_step(session, appeal_id=a.id, actor_id=staff.id, values={"to_status": "open", "note": "x"})
    session.rollback()
    appeals.add_step(session, appeal_id=a.id, actor_id=staff.id, values={"to_status": "closed", "note": "已获贷款300万元"})
    with pytest.raises(InvalidTransition):
        appeals.add_step(session, appeal_id=a.id, actor_id=staff.id, values={"note": "再补一句"})
    session.rollback()
    steps = appeals.steps_of(session, appeal_id=a.id)
    assert [s.step.to_status for s in steps] == ["open", "processing", "processing", "closed"]
    seen = appeals.enterprise_view(session, org_id=org.id)
    assert [ap.id for ap, _ in seen] == [a.id]  # never the other enterprise's
    notes = [s.step.note for s in seen[0][1]]
    assert "内部：银行要求补充财务报表" not in notes and "已获贷款300万元" in notes
    assert session.get(Appeal, a.id).closed_at is not None
    with pytest.raises(NotFound):
        appeals.get_appeal(session, a.id, org_id=other.id)


def test_overdue_appeals_and_the_reminders_job(session: Session) -> None:
    lead, helper, other_staff = (make_user(session, role="staff") for _ in range(3))
    org = make_org(session, name="逾期测试企业")
    orphan = make_org(session, name="无人包联企业")
    assignments.assign(session, org_id=org.id, user_id=lead.id, role="lead", actor_id=lead.id)
    assignments.assign(session, org_id=org.id, user_id=helper.id, role="helper", actor_id=lead.id)
    visits.set_schedule(session, org_id=org.id, actor_id=lead.id,
                        values={"interval_days": "30", "starts_on": "2026-01-01"})
    late = appeals.raise_appeal(session, org_id=org.id, actor_id=lead.id, today=date(2026, 1, 5),
                                values=_appeal(deadline="2026-02-01"))
    on_time = appeals.raise_appeal(session, org_id=org.id, actor_id=lead.id, today=date(2026, 1, 5),
                                   values=_appeal(deadline="2026-12-31"))
    closed = appeals.raise_appeal(session, org_id=org.id, actor_id=lead.id, today=date(2026, 1, 5),
                                  values=_appeal(deadline="2026-02-01"))
    appeals.add_step(session, appeal_id=closed.id, actor_id=lead.id, values={"to_status": "closed", "note": "已办结"})
    orphan_late = appeals.raise_appeal(session, org_id=orphan.id, actor_id=lead.id, today=date(2026, 1, 5),
                                       values=_appeal(deadline="2026-03-01"))
    ws = workspace.workspace(session, today=TODAY)
    assert {a.appeal.id for a in ws.overdue_appeals} == {late.id, orphan_late.id}
    assert on_time.id not in {a.appeal.id for a in ws.overdue_appeals}
    assert [r.org.id for r in ws.overdue_visits] == [org.id]  # due 2026-01-31, never visited
    assert workspace.overdue_count(session, user_id=lead.id, today=TODAY) == 2
    assert workspace.overdue_count(session, user_id=helper.id, today=TODAY) == 2
    assert workspace.overdue_count(session, user_id=other_staff.id, today=TODAY) == 0
    before = _count(session, Notification)
    reminded = workspace.send_overdue_reminders(session, today=TODAY)
    # lead: the visit and the late 诉求; the orphan's 诉求 goes to all three staff.
    assert (reminded.visits, reminded.appeals, reminded.sent) == (1, 2, 2 + 3)
    lead_titles = set(session.exec(select(Notification.title).where(Notification.user_id == lead.id)).all())
    assert any(t.startswith("走访逾期：逾期测试企业") for t in lead_titles)
    assert any(t.startswith("诉求逾期：逾期测试企业") for t in lead_titles)
    assert workspace.send_overdue_reminders(session, today=TODAY).sent == 0  # once a day per item
    assert _count(session, Notification) == before + 5
    # The scheduler's job: the same reminders, the next day (Beijing time), with its summary line.
    from web.services.jobs import builtin  # noqa: F401  (importing it registers the platform's jobs)
    from web.services.jobs.registry import JobContext, JobSettings, get_job

    job = get_job("liaison_overdue_reminders")
    assert job is not None and job.at_hour == 8
    now = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # 2026-04-01 01:00 in Beijing
    summary = job.run(session, JobContext(now=now, settings=JobSettings(), trigger="manual"))
    assert summary == "走访逾期 1 家，诉求逾期 2 件，本次新提醒 5 条"
    assert _count(session, Notification) == before + 10

"""定时任务: the lease runs each job once across workers, on SQLite and PostgreSQL; the jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from models import Job, JobRun, LoginAttempt, LoginThrottle, Match, Notification, UserSession
from models.db import make_engine
from tests.factories import make_match, make_match_event, make_need, make_offer, make_org, make_user
from web.scheduler import job_settings
from web.services.errors import Conflict, NotFound
from web.services.jobs import registry, runner
from web.services.jobs.registry import JobContext, JobSettings, JobSpec
from web.settings import Settings


@pytest.fixture
def settings() -> JobSettings:
    return job_settings(Settings(database_url="sqlite://", seed_on_start=False, mode="test"))


@pytest.fixture
def counting_job() -> Iterator[dict[str, int]]:
    """A throwaway job that counts its runs and takes long enough for workers to overlap."""
    calls = {"n": 0}

    def run(session: Session, ctx: JobContext) -> str:
        calls["n"] += 1
        time.sleep(0.3)
        return f"第{calls['n']}次"

    registry.register(JobSpec(name="zz_counting", label="计数", run=run, every=timedelta(hours=1)))
    yield calls
    registry.unregister("zz_counting")


def _second_engine(engine: Engine) -> Engine:
    return make_engine(engine.url.render_as_string(hide_password=False))


def test_two_workers_run_each_due_job_once(engine: Engine, session: Session, settings: JobSettings,
                                           counting_job: dict[str, int]) -> None:
    other = _second_engine(engine)
    start = threading.Barrier(2)
    outcomes: dict[str, list[runner.RunOutcome]] = {}
    errors: list[BaseException] = []

    def work(name: str, eng: Engine) -> None:
        try:
            start.wait()
            outcomes[name] = runner.run_due(eng, settings=settings, worker=name)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=("worker-a", engine)),
               threading.Thread(target=work, args=("worker-b", other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.dispose()
    assert not errors, errors
    ran = [o.job for name in outcomes for o in outcomes[name]]
    assert counting_job["n"] == 1
    assert ran.count("zz_counting") == 1
    assert len(ran) == len(set(ran)), f"a job ran twice: {ran}"
    runs = session.exec(select(JobRun).where(JobRun.job == "zz_counting")).all()
    assert len(runs) == 1 and runs[0].ok and runs[0].result == "第1次"
    row = session.get(Job, "zz_counting")
    assert row.lease_owner is None and row.last_ok and row.last_duration_ms >= 300
    # Not due again for an hour: another tick runs nothing of it.
    assert "zz_counting" not in [o.job for o in runner.run_due(engine, settings=settings, worker="worker-c")]
    assert counting_job["n"] == 1


def test_held_lease_blocks_and_expired_lease_is_taken_over(engine: Engine, session: Session,
                                                           settings: JobSettings, counting_job: dict[str, int]) -> None:
    admin = make_user(session, role="admin")
    runner.ensure_jobs(session, tz=settings.tz)
    row = session.get(Job, "zz_counting")
    row.lease_owner, row.lease_until = "crashed-or-busy", datetime.now(UTC) + timedelta(minutes=5)
    session.add(row)
    session.commit()
    with pytest.raises(Conflict, match="正在其他进程中运行"):
        runner.run_now(engine, name="zz_counting", actor_id=admin.id, settings=settings, worker="w")
    assert "zz_counting" not in [o.job for o in runner.run_due(engine, settings=settings, worker="w")]
    assert counting_job["n"] == 0
    session.expire_all()
    row = session.get(Job, "zz_counting")
    row.lease_until = datetime.now(UTC) - timedelta(seconds=1)  # the holder died
    session.add(row)
    session.commit()
    outcome = runner.run_now(engine, name="zz_counting", actor_id=admin.id, settings=settings, worker="w")
    assert outcome.ok and counting_job["n"] == 1
    with pytest.raises(NotFound):
        runner.run_now(engine, name="no_such_job", actor_id=admin.id, settings=settings, worker="w")


def test_failing_job_is_recorded_and_releases_its_lease(engine: Engine, session: Session,
                                                        settings: JobSettings) -> None:
    def boom(session: Session, ctx: JobContext) -> str:
        raise RuntimeError("磁盘已满")

    registry.register(JobSpec(name="zz_boom", label="出错", run=boom))
    try:
        outcome = next(o for o in runner.run_due(engine, settings=settings, worker="w") if o.job == "zz_boom")
    finally:
        registry.unregister("zz_boom")
    assert not outcome.ok and "磁盘已满" in outcome.result
    session.expire_all()
    row = session.get(Job, "zz_boom")
    assert row.last_ok is False and row.lease_owner is None and "RuntimeError" in row.last_result


def test_disabled_job_does_not_run(engine: Engine, session: Session, settings: JobSettings,
                                   counting_job: dict[str, int]) -> None:
    admin = make_user(session, role="admin")
    runner.set_enabled(session, actor_id=admin.id, name="zz_counting", enabled=False, tz=settings.tz)
    runner.run_due(engine, settings=settings, worker="w")
    with pytest.raises(Conflict, match="已停用"):
        runner.run_now(engine, name="zz_counting", actor_id=admin.id, settings=settings, worker="w")
    assert counting_job["n"] == 0


def test_daily_schedule_is_in_beijing_time(settings: JobSettings) -> None:
    spec = JobSpec(name="x", label="x", run=lambda s, c: "", at_hour=2)
    # 17:00 UTC is 01:00 in Beijing: due at 02:00 Beijing the same night = 18:00 UTC.
    assert spec.next_due(datetime(2026, 12, 2, 17, 0, tzinfo=UTC), settings.tz) == datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    assert spec.next_due(datetime(2026, 12, 2, 18, 0, tzinfo=UTC), settings.tz) == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert spec.schedule_label(settings.tz) == "每天 02:00（北京时间）"
    with pytest.raises(ValueError):
        registry.register(JobSpec(name="bad_hour", label="x", run=lambda s, c: "", at_hour=24))



def test_daily_jobs_keep_the_platform_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    from web.services.jobs import liaison_jobs

    tz = job_settings(Settings(database_url="sqlite://", seed_on_start=False, mode="test",
                               time_zone="Europe/Berlin")).tz
    spec = JobSpec(name="x", label="x", run=lambda s, c: "", at_hour=2)
    # In December Berlin is UTC+1: 02:00 there is 01:00 UTC.
    assert spec.next_due(datetime(2026, 12, 2, 0, 30, tzinfo=UTC), tz) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    days: list[date] = []
    monkeypatch.setattr(liaison_jobs, "send_overdue_reminders",
                        lambda session, today: days.append(today) or SimpleNamespace(visits=0, appeals=0, sent=0))
    now = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # 04-01 in Berlin and Shanghai, still 03-31 in UTC
    for zone in (tz, UTC):
        liaison_jobs.liaison_overdue_reminders(None, JobContext(now=now, settings=JobSettings(tz=zone),  # type: ignore[arg-type]
                                                                trigger="manual"))
    assert days == [date(2026, 4, 1), date(2026, 3, 31)]


def test_login_log_retention_cannot_go_below_six_months() -> None:
    with pytest.raises(ValidationError):
        Settings(login_log_retention_days=30)


def _ctx(settings: JobSettings, now: datetime | None = None) -> JobContext:
    return JobContext(now=now or datetime.now(UTC), settings=settings, trigger="manual")


def test_purge_keeps_live_sessions_and_recent_login_log(session: Session, settings: JobSettings) -> None:
    from web.services.jobs.maintenance import purge_sessions_and_attempts

    user = make_user(session, role="staff")
    now = datetime.now(UTC)
    rows = {"live": UserSession(id="l" * 64, user_id=user.id, csrf_token="c", expires_at=now + timedelta(hours=1)),
            "just_ended": UserSession(id="j" * 64, user_id=user.id, csrf_token="c",
                                      expires_at=now + timedelta(hours=1), revoked_at=now - timedelta(days=1)),
            "expired": UserSession(id="e" * 64, user_id=user.id, csrf_token="c", expires_at=now - timedelta(days=8)),
            "revoked": UserSession(id="r" * 64, user_id=user.id, csrf_token="c",
                                   expires_at=now + timedelta(hours=1), revoked_at=now - timedelta(days=8))}
    for row in rows.values():
        session.add(row)
    for days in (1, 179, 181, 400):
        session.add(LoginAttempt(username="u", ip="1.1.1.1", success=True, created_at=now - timedelta(days=days)))
    session.add(LoginThrottle(key="u:idle", failures=3, next_allowed_at=now - timedelta(hours=1),
                              updated_at=now - timedelta(hours=1)))
    session.add(LoginThrottle(key="u:waiting", failures=30, next_allowed_at=now + timedelta(minutes=1),
                              updated_at=now - timedelta(hours=1)))
    session.commit()
    result = purge_sessions_and_attempts(session, _ctx(settings, now))
    assert result.startswith("清理已结束会话 2 个、过期登录记录 2 条、闲置登录限制计数 1 个、过期幂等键 0 个")
    assert session.exec(select(LoginThrottle.key)).all() == ["u:waiting"]
    assert set(session.exec(select(UserSession.id)).all()) == {"l" * 64, "j" * 64}
    assert session.exec(select(func.count()).select_from(LoginAttempt)).one() == 2


def test_stalled_match_reminders_reach_both_sides_and_staff_once(session: Session, settings: JobSettings) -> None:
    from web.services.jobs.match_jobs import remind_stalled_matches

    ent, prov = make_org(session), make_org(session, kind="university")
    make_user(session, role="staff")
    stalled = make_match(session, need=make_need(session, org=ent), offer=make_offer(session, org=prov),
                         status="contacted")
    make_match_event(session, match=stalled, to_status="contacted",
                     created_at=datetime.now(UTC) - timedelta(days=settings.stale_days + 1))
    fresh = make_match(session, need=make_need(session, org=ent, title="另一个需求"),
                       offer=make_offer(session, org=prov), status="approved")
    make_match_event(session, match=fresh, to_status="approved")
    assert "本次新提醒 1 个" in remind_stalled_matches(session, _ctx(settings))
    notes = session.exec(select(Notification).where(Notification.kind == "match_stalled")).all()
    assert {(n.org_id, n.user_id is not None) for n in notes} == {(ent.id, False), (prov.id, False), (None, True)}
    assert all(n.match_id == stalled.id for n in notes)
    assert "本次新提醒 0 个" in remind_stalled_matches(session, _ctx(settings))
    assert session.exec(select(func.count()).select_from(Notification)
                        .where(Notification.kind == "match_stalled")).one() == 3


def test_nightly_rematch_proposes_new_matches(session: Session, settings: JobSettings) -> None:
    from web.services.jobs.match_jobs import nightly_rematch

    make_need(session, org=make_org(session))
    make_offer(session, org=make_org(session, kind="intermediary"))
    result = nightly_rematch(session, _ctx(settings))
    assert session.exec(select(func.count()).select_from(Match)).one() == 1
    assert result == "全量重新匹配完成，新增匹配建议 1 条"


def test_jobs_take_plain_values_from_the_platform_settings() -> None:
    values = job_settings(Settings(match_threshold=0.3, match_top_k=5, stale_days=7, session_retention_days=3,
                                   login_log_retention_days=200))
    assert values.policy.threshold == 0.3 and values.policy.top == 5
    assert (values.stale_days, values.session_retention_days, values.login_log_retention_days) == (7, 3, 200)

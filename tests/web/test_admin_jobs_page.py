"""定时任务 page: each job's last run, duration and result; run now; pause."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import AuditLog, Job, JobRun, UserSession
from tests.factories import make_user
from tests.web.conftest import login


def test_jobs_page_lists_jobs_and_runs_one_now(client: TestClient, session: Session) -> None:
    make_user(session, role="admin", username="guanliyuan")
    token = login(client, "guanliyuan")
    r = client.get("/admin/jobs")
    assert r.status_code == 200 and r.template.name == "admin/jobs.html"
    names = [j.spec.name for j in r.context["jobs"]]
    assert {"purge_sessions", "stalled_match_reminders", "nightly_rematch"} <= set(names)
    assert "尚未运行" in r.text and "每天 02:00（北京时间）" in r.text
    r = client.post("/admin/jobs/purge_sessions/run", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "任务「清理过期会话与登录记录」已运行完成" in page.text and "上次成功" in page.text
    assert "清理已结束会话 0 个" in page.text
    runs = session.exec(select(JobRun)).all()
    assert [(x.job, x.trigger, x.ok) for x in runs] == [("purge_sessions", "manual", True)]
    assert session.exec(select(AuditLog).where(AuditLog.action == "job.run")).one().detail == {"job": "purge_sessions"}
    assert session.exec(select(UserSession)).first() is not None  # the admin's own live session stays


def test_pause_resume_and_bad_names(client: TestClient, session: Session) -> None:
    make_user(session, role="admin", username="guanliyuan")
    token = login(client, "guanliyuan")
    client.post("/admin/jobs/nightly_rematch/enabled", data={"enabled": "0", "csrf_token": token})
    session.expire_all()
    assert session.get(Job, "nightly_rematch").enabled is False
    r = client.post("/admin/jobs/nightly_rematch/run", data={"csrf_token": token})
    assert r.status_code == 409 and "已停用" in r.text
    assert not session.exec(select(JobRun)).all()
    assert client.post("/admin/jobs/no_such_job/run", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/jobs/" + "x" * 60 + "/run", data={"csrf_token": token}).status_code == 422

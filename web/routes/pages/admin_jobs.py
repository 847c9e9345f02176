"""定时任务 page (系统管理员): each job's schedule, last run, duration and result; run now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from web.deps import (
    CurrentUser,
    EngineDep,
    FormDep,
    SessionDep,
    SettingsDep,
    csrf_protect,
    require_roles,
    unread_badge,
)
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import redirect_with
from web.routes.params import Marker
from web.scheduler import job_settings
from web.services.jobs import runner

Admin = Annotated[CurrentUser, Depends(require_roles("admin"))]
JobName = Annotated[str, Path(max_length=50)]
router = APIRouter(tags=["pages"], dependencies=[Depends(require_roles("admin")), Depends(unread_badge)])


@router.get("/admin/jobs", name="admin_jobs")
def list_jobs(request: Request, session: SessionDep, settings: SettingsDep, user: Admin, ran: str | None = None,
              ok: Marker = 1) -> Response:
    """Every job with its schedule, last run and recent history."""
    jobs = runner.list_status(session)
    label = next((j.spec.label for j in jobs if j.spec.name == ran), None)
    flash = (f"任务「{label}」已运行{'完成' if ok else '，但失败了'}，结果见下表。" if label else None)
    return render(request, "admin/jobs.html", {"jobs": jobs, "flash": flash, "tz": settings.tz,
                                               "flash_kind": "ok" if ok else "error"})


@router.post("/admin/jobs/{name}/run", name="admin_job_run", dependencies=[Depends(csrf_protect)])
def run_job(request: Request, session: SessionDep, engine: EngineDep, settings: SettingsDep, user: Admin,
            name: JobName) -> Response:
    """Run one job now, in this request (refused while another worker runs it)."""
    # The job writes through its own sessions; this request's must not hold SQLite's write lock.
    session.close()
    outcome = runner.run_now(engine, name=name, actor_id=user.id, settings=job_settings(settings),
                             worker=f"manual:{user.username}")
    return redirect_with(route_path(request, "admin_jobs"), ran=name, ok=int(outcome.ok))


@router.post("/admin/jobs/{name}/enabled", name="admin_job_enabled", dependencies=[Depends(csrf_protect)])
def set_enabled(request: Request, session: SessionDep, settings: SettingsDep, user: Admin, name: JobName, form: FormDep) -> Response:
    """Pause or resume a job's schedule."""
    runner.set_enabled(session, actor_id=user.id, name=name, enabled=form.get("enabled") == "1", tz=settings.tz)
    return redirect_with(route_path(request, "admin_jobs"))

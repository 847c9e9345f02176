"""Staff page: the ranking model learned from staff decisions — train now, roll back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import CurrentUser, SessionDep, SettingsDep, csrf_protect, require_roles, unread_badge
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import StaffDep, redirect_with, to_int
from web.services.errors import DomainError
from web.services.matching import ranking_model

router = APIRouter(prefix="/staff", tags=["pages"], dependencies=[Depends(unread_badge)])
CSRF = [Depends(csrf_protect)]
AdminDep = Annotated[CurrentUser, Depends(require_roles("admin"))]


def _flash(request: Request, status: ranking_model.ModelStatus) -> tuple[str | None, str]:
    q = request.query_params
    done = q.get("done")
    if done == "trained":
        version = to_int(q.get("v"), lo=1)
        found = next((v for v in status.versions if v["version"] == version), None)
        if found is not None:
            return f"训练完成，已保存模型版本 {version}。{found['reason']}", "ok"
    if done == "too_few":
        return f"决定太少，本次未学习：还需要约 {to_int(q.get('missing'), lo=1) or 1} 条决定。", "error"
    if done == "rollback":
        now = to_int(q.get("v"), lo=1)
        return (f"已回滚，现在启用模型版本 {now}。" if now else "已回滚，现在不使用模型（按引擎原始排序）。"), "ok"
    if done == "no_active":
        return "没有启用中的模型，无需回滚。", "error"
    return None, "ok"


@router.get("/ranking", name="staff_ranking")
def ranking_page(request: Request, session: SessionDep, settings: SettingsDep,
                 user: StaffDep) -> Response:
    """The active model version, the last training's figures and outcome, all versions."""
    status = ranking_model.status(settings)
    flash, kind = _flash(request, status)
    return render(request, "staff/ranking.html", {
        "status": status, "count": ranking_model.count_decisions(session),
        "is_admin": user.role == "admin", "flash": flash, "flash_kind": kind,
    })


@router.post("/ranking/train", name="staff_ranking_train", dependencies=CSRF)
def train_now(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep) -> Response:
    """Learn from the stored decisions now (seconds of CPU: a staff action, not a page view)."""
    outcome = ranking_model.train(session, settings, actor_id=user.id)
    session.commit()
    if outcome.too_few is not None:
        return redirect_with(route_path(request, "staff_ranking"), done="too_few", missing=outcome.too_few.missing)
    assert outcome.report is not None
    return redirect_with(route_path(request, "staff_ranking"), done="trained", v=outcome.report.version)


@router.post("/ranking/rollback", name="staff_ranking_rollback", dependencies=CSRF)
def rollback(request: Request, session: SessionDep, settings: SettingsDep, user: AdminDep) -> Response:
    """Admins only: the model active before this one (or none) becomes active again."""
    try:
        now = ranking_model.rollback(session, settings, actor_id=user.id)
    except DomainError:
        return redirect_with(route_path(request, "staff_ranking"), done="no_active")
    session.commit()
    return redirect_with(route_path(request, "staff_ranking"), done="rollback", v=now)

"""Staff pages: qualification rule sets (认定条件) — the national 高企 set and the ones staff add."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import FormDep, SessionDep, csrf_protect, unread_badge
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import StaffDep, redirect_with
from web.routes.params import RowId
from web.services.cultivation import metrics, rulesets
from web.services.cultivation.rules import describe
from web.services.cultivation.validation import OPS, rule_form_values
from web.services.errors import NotFound, ValidationFailed

router = APIRouter(prefix="/staff/cultivation/rules", tags=["pages"], dependencies=[Depends(unread_badge)])
CSRF = [Depends(csrf_protect)]
_DONE = {"created": "已新增认定条件。", "saved": "已保存。", "deleted": "已删除该条件。"}


def _context(**extra: Any) -> dict[str, Any]:
    return {"METRICS": metrics.METRICS, "describe": describe, "OPS": OPS,
            "QUALIFICATIONS": rulesets.RULE_QUALIFICATIONS, "errors": {}, "form": {}, **extra}


def _list_page(request: Request, session: SessionDep, **extra: Any) -> Response:
    status = 422 if extra.get("errors") else 200
    return render(request, "cultivation/rulesets.html",
                  _context(sets=rulesets.list_rule_sets(session), **extra), status_code=status)


@router.get("", name="cultivation_rulesets")
def rule_sets(request: Request, session: SessionDep, user: StaffDep, done: str = "") -> Response:
    """Every rule set, by qualification and year."""
    return _list_page(request, session, flash=_DONE.get(done))


@router.post("", name="cultivation_ruleset_create", dependencies=CSRF)
def create_rule_set(request: Request, session: SessionDep, user: StaffDep, form: FormDep) -> Response:
    """Add a rule set (optionally a copy of another)."""
    try:
        rs = rulesets.create_rule_set(session, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _list_page(request, session, form=form, errors=exc.errors or {"name": exc.message},
                          flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "cultivation_ruleset", rule_set_id=rs.id), done="created")


def _detail_page(request: Request, session: SessionDep, rule_set_id: int, **extra: Any) -> Response:
    status = 422 if extra.get("errors") or extra.get("set_errors") else 200
    view = rulesets.get_rule_set(session, rule_set_id)
    return render(request, "cultivation/ruleset.html",
                  _context(view=view, set_errors={}, set_form={}, **extra), status_code=status)


@router.get("/{rule_set_id}", name="cultivation_ruleset")
def rule_set(request: Request, session: SessionDep, user: StaffDep, rule_set_id: RowId, done: str = "") -> Response:
    """One rule set: its rules, a form to add one, and the set's own details."""
    return _detail_page(request, session, rule_set_id, flash=_DONE.get(done))


@router.post("/{rule_set_id}", name="cultivation_ruleset_update", dependencies=CSRF)
def update_rule_set(request: Request, session: SessionDep, user: StaffDep, rule_set_id: RowId,
                    form: FormDep) -> Response:
    """Change the set's name, year or note."""
    try:
        rulesets.update_rule_set(session, rule_set_id=rule_set_id, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _detail_page(request, session, rule_set_id, set_form=form, set_errors=exc.errors,
                            flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "cultivation_ruleset", rule_set_id=rule_set_id), done="saved")


@router.post("/{rule_set_id}/rules", name="cultivation_rule_add", dependencies=CSRF)
def add_rule(request: Request, session: SessionDep, user: StaffDep, rule_set_id: RowId, form: FormDep) -> Response:
    """Add a rule; impossible thresholds are refused with the field named."""
    try:
        rulesets.save_rule(session, rule_set_id=rule_set_id, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _detail_page(request, session, rule_set_id, form=form, errors=exc.errors,
                            flash=exc.message, flash_kind="error")
    return redirect_with(route_path(request, "cultivation_ruleset", rule_set_id=rule_set_id), done="saved")


@router.get("/{rule_set_id}/rules/{rule_id}", name="cultivation_rule")
def rule_form(request: Request, session: SessionDep, user: StaffDep, rule_set_id: RowId, rule_id: RowId) -> Response:
    """Edit one rule."""
    view = rulesets.get_rule_set(session, rule_set_id)
    rule = next((r for r in view.rules if r.id == rule_id), None)
    if rule is None:
        raise NotFound("未找到该条件")
    return render(request, "cultivation/rule_edit.html", _context(view=view, rule=rule, form=rule_form_values(rule)))


@router.post("/{rule_set_id}/rules/{rule_id}", name="cultivation_rule_save", dependencies=CSRF)
def save_rule(request: Request, session: SessionDep, user: StaffDep, rule_set_id: RowId, rule_id: RowId,
              form: FormDep) -> Response:
    """Save an edited rule."""
    try:
        rulesets.save_rule(session, rule_set_id=rule_set_id, actor_id=user.id, values=form, rule_id=rule_id)
    except ValidationFailed as exc:
        view = rulesets.get_rule_set(session, rule_set_id)
        rule = next(r for r in view.rules if r.id == rule_id)
        return render(request, "cultivation/rule_edit.html",
                      _context(view=view, rule=rule, form=form, errors=exc.errors, flash=exc.message,
                               flash_kind="error"), status_code=422)
    return redirect_with(route_path(request, "cultivation_ruleset", rule_set_id=rule_set_id), done="saved")


@router.post("/{rule_set_id}/rules/{rule_id}/delete", name="cultivation_rule_delete", dependencies=CSRF)
def delete_rule(request: Request, session: SessionDep, user: StaffDep, rule_set_id: RowId, rule_id: RowId) -> Response:
    """Remove a rule from its set."""
    rulesets.delete_rule(session, rule_set_id=rule_set_id, rule_id=rule_id, actor_id=user.id)
    return redirect_with(route_path(request, "cultivation_ruleset", rule_set_id=rule_set_id), done="deleted")

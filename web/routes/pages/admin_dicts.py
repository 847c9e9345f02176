"""字典管理 page (系统管理员): the value lists, their edits and history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from web.deps import CurrentUser, FormDep, SessionDep, csrf_protect, require_roles, unread_badge
from web.presentation.paths import route_path
from web.presentation.responses import render
from web.routes.pages.staff_common import redirect_with
from web.services.dictionaries import lists
from web.services.errors import DomainError

Admin = Annotated[CurrentUser, Depends(require_roles("admin"))]
Kind = Annotated[str, Path(max_length=32)]
Code = Annotated[str, Path(max_length=50)]
router = APIRouter(tags=["pages"], dependencies=[Depends(require_roles("admin")), Depends(unread_badge)])
_FLASHES = {"added": "已新增。", "saved": "已保存。", "retired": "已停用：原有记录保持不变，新记录不能再选择。",
            "restored": "已恢复，可再次选择。", "deleted": "已删除。"}


def _page(request: Request, session: SessionDep, kind: str, *, flash: str | None = None,
          errors: dict | None = None, values: dict | None = None, status_code: int = 200) -> Response:
    rows = lists.items(session, kind)
    return render(request, "admin/dicts.html", {
        "kind": kind, "KINDS": lists.KINDS, "rows": rows,
        "usage": {r.code: lists.usage(session, kind, r.code) for r in rows},
        "history": lists.history(session, kind=kind), "flash": flash,
        "flash_kind": "error" if errors or (status_code >= 400) else "ok",
        "errors": errors or {}, "values": values or {}}, status_code=status_code)


@router.get("/admin/dicts", name="admin_dicts")
def dicts_home(request: Request, session: SessionDep, user: Admin) -> Response:
    """The first list (service categories)."""
    return _page(request, session, "category")


@router.get("/admin/dicts/{kind}", name="admin_dict")
def dict_page(request: Request, session: SessionDep, user: Admin, kind: Kind, done: str | None = None) -> Response:
    """One list with each value's usage, the edit forms and the history."""
    lists.items(session, kind)  # 404 for an unknown list
    return _page(request, session, kind, flash=_FLASHES.get(done or ""))


def _act(request: Request, session: SessionDep, kind: str, action, done: str, values: dict) -> Response:  # type: ignore[no-untyped-def]
    try:
        action()
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _page(request, session, kind, flash=exc.message, errors=getattr(exc, "errors", None) or {"_": ""},
                     values=values, status_code=exc.status_code)
    return redirect_with(route_path(request, "admin_dict", kind=kind), done=done)


@router.post("/admin/dicts/{kind}", name="admin_dict_add", dependencies=[Depends(csrf_protect)])
def add(request: Request, session: SessionDep, user: Admin, kind: Kind, form: FormDep) -> Response:
    """Add a value to a list."""
    return _act(request, session, kind, lambda: lists.add_item(
        session, actor_id=user.id, kind=kind, label=form.get("label", ""), code=form.get("code", ""),
        description=form.get("description", "")), "added", form)


@router.post("/admin/dicts/{kind}/{code}", name="admin_dict_update", dependencies=[Depends(csrf_protect)])
def update(request: Request, session: SessionDep, user: Admin, kind: Kind, code: Code, form: FormDep) -> Response:
    """Rename a value or change its explanation."""
    return _act(request, session, kind, lambda: lists.update_item(
        session, actor_id=user.id, kind=kind, code=code, label=form.get("label", ""),
        description=form.get("description", "")), "saved", {})


@router.post("/admin/dicts/{kind}/{code}/retire", name="admin_dict_retire", dependencies=[Depends(csrf_protect)])
def retire(request: Request, session: SessionDep, user: Admin, kind: Kind, code: Code, form: FormDep) -> Response:
    """Retire a value, or restore a retired one."""
    retired = form.get("retired", "1") == "1"
    return _act(request, session, kind, lambda: lists.set_retired(
        session, actor_id=user.id, kind=kind, code=code, retired=retired), "retired" if retired else "restored", {})


@router.post("/admin/dicts/{kind}/{code}/delete", name="admin_dict_delete", dependencies=[Depends(csrf_protect)])
def delete(request: Request, session: SessionDep, user: Admin, kind: Kind, code: Code) -> Response:
    """Delete a value that nobody uses and the platform did not ship."""
    return _act(request, session, kind, lambda: lists.delete_item(session, actor_id=user.id, kind=kind, code=code),
                "deleted", {})

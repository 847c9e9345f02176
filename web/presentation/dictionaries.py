"""字典管理 values in templates: options for a form and labels for stored codes.

Loaded once per request, every list in one query through the dictionaries service (its own
short read session), so every page shows the admin's current names without each route passing
them in."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from sqlmodel import Session

from models.db import read_engine
from web.services.dictionaries import lists


def _items(ctx: Any, kind: str) -> list[Any]:
    request = ctx["request"]
    loaded = getattr(request.state, "dict_items", None)
    if loaded is None:
        with Session(read_engine(request.app.state.engine)) as session:
            loaded = request.state.dict_items = lists.all_items(session)
    return loaded[kind]


@pass_context
def dict_options(ctx: Any, kind: str, current: str | None = None) -> list[tuple[str, str]]:
    """(code, label) a form may offer; a row's own retired value stays selectable on edit."""
    out = [(i.code, i.label) for i in _items(ctx, kind) if i.retired_at is None]
    if current and current not in {c for c, _ in out}:
        out.append((current, f"{dict_label(ctx, kind, current)}（已停用）"))
    return out


@pass_context
def dict_label(ctx: Any, kind: str, code: str | None) -> str:
    """The current name of a stored code (the code itself if the list does not know it)."""
    if not code:
        return "—"
    return next((i.label for i in _items(ctx, kind) if i.code == code), code)


@pass_context
def dict_hint(ctx: Any, kind: str, code: str) -> str:
    return next((i.description for i in _items(ctx, kind) if i.code == code), "")

"""Helpers shared by the page routers, the staff pages first (no router of its own)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends
from fastapi.responses import RedirectResponse

from web.deps import CurrentUser, require_roles

StaffDep = Annotated[CurrentUser, Depends(require_roles("staff", "admin"))]


def to_float(value: str | None, *, lo: float = 0.0, hi: float = 1.0) -> float | None:
    """A filter value from a form: blank or junk means "no filter"; clamped to [lo, hi]."""
    try:
        f = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    if f is None or f != f:  # NaN
        return None
    return min(max(f, lo), hi)


def to_int(value: str | None, *, lo: int = 0, hi: int = 100_000) -> int | None:
    try:
        i = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return None if i is None else min(max(i, lo), hi)


def safe_back(target: str | None, default: str) -> str:
    # Only our own staff pages: never an open redirect.
    if target and target.startswith("/staff/") and "//" not in target and "\\" not in target:
        return target
    return default


def redirect_with(target: str, **params: Any) -> RedirectResponse:
    sep = "&" if "?" in target else "?"
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{target}{sep}{query}" if query else target, status_code=303)

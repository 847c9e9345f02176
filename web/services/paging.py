"""One page of a list, shared by every paginated service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, func, select

PER_PAGE_MAX = 100


@dataclass(frozen=True)
class Page:
    """``items`` of page ``page`` (1-based) out of ``total`` rows, ``per_page`` a page."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(session: Session, stmt: Any, *, page: int, per_page: int, count_stmt: Any = None,
             total: int | None = None) -> Page:
    """Run an ordered select for one page (page and per_page clamped), counting all its rows.

    ``count_stmt`` selects the same rows more cheaply (fewer joins) for the count; a caller that
    already knows the ``total`` skips the count."""
    per_page, page = max(1, min(per_page, PER_PAGE_MAX)), max(1, page)
    if total is None:
        counted = (stmt if count_stmt is None else count_stmt).order_by(None).subquery()
        total = session.exec(select(func.count()).select_from(counted)).one()
    rows = session.exec(stmt.offset((page - 1) * per_page).limit(per_page)).all()
    return Page(items=list(rows), total=total, page=page, per_page=per_page)

"""Reading postings: one's own, a page of them, and what staff may open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Any

from sqlalchemy import false
from sqlmodel import Session, col, or_, select

from web.presentation.times import day_start
from web.services.errors import NotFound
from web.services.paging import Page, paginate
from web.services.postings.side import Side


def get_own(session: Session, side: Side, *, posting_id: int, org_id: int | None) -> Any:
    """A posting of the caller's organisation; anyone else's is NotFound (ids do not leak)."""
    row = session.get(side.model, posting_id)
    if row is None or org_id is None or row.org_id != org_id:
        raise NotFound(f"未找到该{side.label}")
    return row


def readable(session: Session, side: Side, *, posting_id: int, role: str, org_id: int | None) -> Any:
    """A posting the caller may read: staff any published one, an organisation its own."""
    if role != "staff":
        return get_own(session, side, posting_id=posting_id, org_id=org_id)
    row = session.get(side.model, posting_id)
    # A draft is its organisation's alone, staff included, until it is published.
    if row is None or row.status == side.statuses.draft:
        raise NotFound(f"未找到该{side.label}")
    return row


@dataclass(frozen=True)
class PostingFilter:
    status: str | None = None
    category: str | None = None
    q: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def list_postings(session: Session, side: Side, *, org_id: int | None, filters: PostingFilter,
                  tz: tzinfo, page: int = 1, per_page: int = 20) -> Page:
    """One page of postings (an organisation's own, or all for staff), newest first; the date
    filters are whole days in ``tz``, the platform's zone."""
    model = side.model
    conds = []
    if org_id is not None:
        conds.append(model.org_id == org_id)
    else:  # staff see every organisation's postings, but never their drafts
        conds.append(model.status != side.statuses.draft)
    if filters.status:
        # A status this side does not have matches nothing (the column refuses to compare it).
        statuses = {s.value: s for s in side.statuses}
        conds.append(model.status == statuses[filters.status] if filters.status in statuses else false())
    if filters.category:
        conds.append(model.category == filters.category)
    if filters.q:
        like = f"%{filters.q.strip()[:50]}%"
        conds.append(or_(col(model.title).like(like), col(model.description).like(like)))
    if filters.date_from:
        conds.append(col(model.created_at) >= day_start(filters.date_from, tz))
    if filters.date_to:
        conds.append(col(model.created_at) < day_start(filters.date_to + timedelta(days=1), tz))
    return paginate(session, select(model).where(*conds).order_by(col(model.id).desc()),
                    page=page, per_page=per_page)

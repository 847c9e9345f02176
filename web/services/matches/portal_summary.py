"""The figures of a portal's start page: open postings, matches by status, the latest of each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from models import Match
from models.match import IN_PROGRESS, MatchStatus
from web.services.errors import NotFound
from web.services.matches.portal_views import PortalMatchView, list_org_matches, org_match_columns
from web.services.postings.side import Side


@dataclass(frozen=True)
class PortalSummary:
    """The figures of a portal's start page."""

    open_postings: int
    match_counts: dict[str, int]
    recent_postings: list[Any]
    recent_matches: list[PortalMatchView]

    @property
    def in_progress(self) -> int:
        """Approved matches whose deal is still open."""
        return sum(self.match_counts.get(s, 0) for s in IN_PROGRESS)


def portal_summary(session: Session, side: Side, *, org_id: int | None) -> PortalSummary:
    """Figures for a portal's start page (own organisation only)."""
    if org_id is None:
        raise NotFound("未找到该机构")
    model = side.model
    open_count = session.exec(select(func.count()).select_from(model).where(
        model.org_id == org_id, model.status == side.statuses.open)).one()
    counts_q = org_match_columns(side, org_id, Match.status, func.count()).group_by(Match.status)
    counts = {status: n for status, n in session.exec(counts_q).all()}
    listed = sum(n for status, n in counts.items() if status != MatchStatus.withdrawn)
    recent = list(session.exec(select(model).where(model.org_id == org_id)
                               .order_by(col(model.id).desc()).limit(5)).all())
    matches = list_org_matches(session, side, org_id=org_id, page=1, per_page=5, total=listed).items
    return PortalSummary(open_postings=open_count, match_counts=counts, recent_postings=recent,
                         recent_matches=matches)

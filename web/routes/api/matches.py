"""JSON API: the matches of the caller's organisation, and expressing interest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from web.deps import CurrentUser, SessionDep, csrf_protect, require_roles
from web.routes.api.schemas import MatchOut, PageOut, match_out, page_out
from web.routes.params import PageNumber, PerPage, RowId, SearchText, StatusFilter
from web.services.matches import portal_views
from web.services.matches.interest import express_interest
from web.services.postings.side import SIDE_OF_ROLE

router = APIRouter(prefix="/api/v1/matches", tags=["匹配"])
Party = Annotated[CurrentUser, Depends(require_roles("enterprise", "provider"))]


@router.get("", response_model=PageOut[MatchOut], summary="我的匹配")
def list_matches(session: SessionDep, user: Party,
                 status: StatusFilter = None,
                 q: SearchText = None,
                 page: PageNumber = 1,
                 per_page: PerPage = 20) -> dict[str, Any]:
    """The organisation's matches (withdrawn ones only when asked for), newest first."""
    result = portal_views.list_org_matches(session, SIDE_OF_ROLE[user.role], org_id=user.org_id, status=status,
                                    q=q, page=page, per_page=per_page)
    return page_out(result, [match_out(v) for v in result.items])


@router.get("/{match_id}", response_model=MatchOut, summary="匹配详情")
def read_match(session: SessionDep, user: Party, match_id: RowId) -> MatchOut:
    """One match of the organisation (another's is 404)."""
    return match_out(portal_views.portal_view(session, SIDE_OF_ROLE[user.role], match_id=match_id, org_id=user.org_id))


@router.post("/{match_id}/interest", response_model=MatchOut, summary="表达合作意向",
             dependencies=[Depends(csrf_protect)])
def interest(session: SessionDep, user: Party, match_id: RowId) -> MatchOut:
    """Mark the caller's side interested and tell staff; nothing is revealed to the other side."""
    side = SIDE_OF_ROLE[user.role]
    express_interest(session, side, match_id=match_id, user_id=user.id, org_id=user.org_id)
    return match_out(portal_views.portal_view(session, side, match_id=match_id, org_id=user.org_id))

"""The JSON API of needs and offers (they mirror each other): same services, same permissions."""


from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from models.db import reads_only_from_now
from web.deps import (
    CurrentUser,
    IndexDep,
    SessionDep,
    SettingsDep,
    TodayDep,
    csrf_protect,
    require_roles,
)
from web.routes.api.schemas import (
    MatchOut,
    PageOut,
    PostingIn,
    PostingOut,
    PostingWithMatches,
    match_out,
    page_out,
    posting_out,
)
from web.routes.params import DateFilter, PageNumber, PerPage, RowId, StatusFilter
from web.services.matches import portal_views
from web.services.matching import feed
from web.services.matching.index import IndexHolder
from web.services.postings import lifecycle, listing
from web.services.postings.side import Side


def build_postings_api(side: Side) -> APIRouter:
    tag = side.label
    router = APIRouter(prefix=f"/api/v1/{side.plural}", tags=[tag])
    owner = Annotated[CurrentUser, Depends(require_roles(side.role))]
    reader = Annotated[CurrentUser, Depends(require_roles(side.role, "staff"))]

    def values(body: PostingIn) -> dict[str, Any]:
        data = body.model_dump(exclude={"draft"})
        data[side.money_field] = data.pop("amount_wan")
        return data

    def with_matches(session: SessionDep, row: Any, org_id: int | None) -> PostingWithMatches:
        """The answer to a write, read after its commit (without SQLite's write lock)."""
        reads_only_from_now(session)
        recs = portal_views.recommendations(session, side, posting_id=row.id, org_id=org_id)
        matching = row.status == side.statuses.open and feed.pending(session, side=side.name, posting_id=row.id)
        return PostingWithMatches(**posting_out(row, side.money_field).model_dump(),
                                  recommendations=[match_out(v) for v in recs], matching=matching)

    @router.get("", response_model=PageOut[PostingOut], summary=f"{tag}列表")
    def list_(session: SessionDep, settings: SettingsDep, user: reader,
              status: StatusFilter = None,
              category: Annotated[str | None, Query(max_length=32)] = None,
              q: Annotated[str | None, Query(max_length=50, description="标题或描述中的关键词")] = None,
              date_from: DateFilter = None, date_to: DateFilter = None,
              page: PageNumber = 1,
              per_page: PerPage = 20) -> dict[str, Any]:
        """Own postings (staff: all), filtered by status, category, keyword and date, paginated."""
        filters = listing.PostingFilter(status=status, category=category, q=q,
                                         date_from=date_from, date_to=date_to)
        org_id = None if user.role == "staff" else user.org_id
        result = listing.list_postings(session, side, org_id=org_id, filters=filters, tz=settings.tz, page=page,
                                        per_page=per_page)
        return page_out(result, [posting_out(r, side.money_field) for r in result.items])

    @router.post("", response_model=PostingWithMatches, status_code=201, summary=f"发布{tag}",
                 dependencies=[Depends(csrf_protect)])
    def create(session: SessionDep, index: IndexDep, today: TodayDep, user: owner,
               body: PostingIn) -> PostingWithMatches:
        """Post it (stored now, matched within seconds: ``matching`` says so) or save a draft."""
        row = lifecycle.create(session, index, side, org_id=user.org_id or 0, actor_id=user.id,
                               values=values(body), draft=body.draft, today=today)
        return with_matches(session, row, user.org_id)

    @router.get("/{posting_id}", response_model=PostingOut, summary=f"{tag}详情")
    def read(session: SessionDep, user: reader, posting_id: RowId) -> PostingOut:
        """One posting (another organisation's is 404)."""
        row = listing.readable(session, side, posting_id=posting_id, role=user.role, org_id=user.org_id)
        return posting_out(row, side.money_field)

    @router.patch("/{posting_id}", response_model=PostingWithMatches, summary=f"修改{tag}",
                  dependencies=[Depends(csrf_protect)])
    def update(session: SessionDep, index: IndexDep, today: TodayDep, user: owner, posting_id: RowId,
               body: PostingIn) -> PostingWithMatches:
        """Change an open posting; its recommendations are refreshed."""
        row = lifecycle.edit(session, index, side, posting_id=posting_id, org_id=user.org_id or 0,
                             actor_id=user.id, values=values(body), today=today)
        return with_matches(session, row, user.org_id)

    @router.post("/{posting_id}/close", response_model=PostingOut,
                 summary=f"{side.close_verb}{side.label}", dependencies=[Depends(csrf_protect)])
    def close(session: SessionDep, index: IndexDep, user: owner, posting_id: RowId) -> PostingOut:
        """Close the posting; its proposals not yet reviewed are withdrawn."""
        row = lifecycle.close(session, index, side, posting_id=posting_id, org_id=user.org_id or 0,
                              actor_id=user.id)
        return posting_out(row, side.money_field)

    def open_again(service: Any, session: Session, index: IndexHolder, today: date, user: CurrentUser,
                   posting_id: RowId) -> PostingWithMatches:
        row = service(session, index, side, posting_id=posting_id, org_id=user.org_id or 0, actor_id=user.id,
                      today=today)
        return with_matches(session, row, user.org_id)

    @router.post("/{posting_id}/publish", response_model=PostingWithMatches, summary="发布草稿",
                 dependencies=[Depends(csrf_protect)])
    def publish(session: SessionDep, index: IndexDep, today: TodayDep, user: owner,
                posting_id: RowId) -> PostingWithMatches:
        """Publish a draft: matched at once and pushed, like a new posting."""
        return open_again(lifecycle.publish, session, index, today, user, posting_id)

    @router.post("/{posting_id}/reopen", response_model=PostingWithMatches, summary="重新开放",
                 dependencies=[Depends(csrf_protect)])
    def reopen(session: SessionDep, index: IndexDep, today: TodayDep, user: owner,
               posting_id: RowId) -> PostingWithMatches:
        """Reopen a closed need or withdrawn offer before its deadline; it is matched again."""
        return open_again(lifecycle.reopen, session, index, today, user, posting_id)

    @router.get("/{posting_id}/recommendations", response_model=list[MatchOut], summary="推荐及理由")
    def recommendations(session: SessionDep, user: owner, posting_id: RowId) -> list[MatchOut]:
        """The posting's recommendations, best first, the other side anonymous until approval."""
        recs = portal_views.recommendations(session, side, posting_id=posting_id, org_id=user.org_id)
        return [match_out(v) for v in recs]

    return router

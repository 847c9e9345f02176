"""The JSON API of needs and offers (they mirror each other): same services, same permissions."""


from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session

from web.deps import CurrentUser, SessionDep, csrf_protect, require_roles
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
from web.routes.params import DateFilter, PageNumber, PerPage, RowId
from web.services.errors import NotFound
from web.services.matches import portal
from web.services.postings import lifecycle
from web.services.postings.lifecycle import Side


def build_postings_api(side: Side) -> APIRouter:
    items = "needs" if side.name == "need" else "offers"
    tag = "需求" if side.name == "need" else "服务"
    router = APIRouter(prefix=f"/api/v1/{items}", tags=[tag])
    owner = Annotated[CurrentUser, Depends(require_roles(side.role))]
    reader = Annotated[CurrentUser, Depends(require_roles(side.role, "staff"))]

    def values(body: PostingIn) -> dict[str, Any]:
        data = body.model_dump(exclude={"draft"})
        data[side.money_field] = data.pop("amount_wan")
        return data

    def readable(session: SessionDep, user: CurrentUser, posting_id: RowId) -> Any:
        if user.role == "staff":
            row = session.get(side.model, posting_id)
            # A draft is its organisation's alone, staff included, until it is published.
            if row is None or row.status == "draft":
                raise NotFound(f"未找到该{side.label}")
            return row
        return lifecycle.get_own(session, side, posting_id=posting_id, org_id=user.org_id)

    def with_matches(session: SessionDep, row: Any, org_id: int | None) -> PostingWithMatches:
        recs = portal.recommendations(session, side, posting_id=row.id, org_id=org_id)
        return PostingWithMatches(**posting_out(row, side.money_field).model_dump(),
                                  recommendations=[match_out(v) for v in recs])

    @router.get("", response_model=PageOut[PostingOut], summary=f"{tag}列表")
    def list_(session: SessionDep, user: reader,
              status: Annotated[str | None, Query(max_length=16)] = None,
              category: Annotated[str | None, Query(max_length=32)] = None,
              q: Annotated[str | None, Query(max_length=50, description="标题或描述中的关键词")] = None,
              date_from: DateFilter = None, date_to: DateFilter = None,
              page: PageNumber = 1,
              per_page: PerPage = 20) -> dict[str, Any]:
        """Own postings (staff: all), filtered by status, category, keyword and date, paginated."""
        filters = lifecycle.PostingFilter(status=status, category=category, q=q,
                                         date_from=date_from, date_to=date_to)
        org_id = None if user.role == "staff" else user.org_id
        result = lifecycle.list_postings(session, side, org_id=org_id, filters=filters, page=page,
                                        per_page=per_page)
        return page_out(result, [posting_out(r, side.money_field) for r in result.items])

    @router.post("", response_model=PostingWithMatches, status_code=201, summary=f"发布{tag}",
                 dependencies=[Depends(csrf_protect)])
    def create(request: Request, session: SessionDep, user: owner, body: PostingIn) -> PostingWithMatches:
        """Post it (matched at once; the answer carries its recommendations) or save a draft."""
        s = request.app.state.settings
        row = lifecycle.create(session, request.app.state.index, side, org_id=user.org_id or 0,
                              actor_id=user.id, values=values(body), draft=body.draft,
                              threshold=s.match_threshold, top=s.match_top_k)
        return with_matches(session, row, user.org_id)

    @router.get("/{posting_id}", response_model=PostingOut, summary=f"{tag}详情")
    def read(session: SessionDep, user: reader, posting_id: RowId) -> PostingOut:
        """One posting (another organisation's is 404)."""
        return posting_out(readable(session, user, posting_id), side.money_field)

    @router.patch("/{posting_id}", response_model=PostingWithMatches, summary=f"修改{tag}",
                  dependencies=[Depends(csrf_protect)])
    def update(request: Request, session: SessionDep, user: owner, posting_id: RowId,
               body: PostingIn) -> PostingWithMatches:
        """Change an open posting; its recommendations are refreshed."""
        s = request.app.state.settings
        row = lifecycle.edit(session, request.app.state.index, side, posting_id=posting_id,
                            org_id=user.org_id or 0, actor_id=user.id, values=values(body),
                            threshold=s.match_threshold, top=s.match_top_k)
        return with_matches(session, row, user.org_id)

    @router.post("/{posting_id}/close", response_model=PostingOut,
                 summary="关闭需求" if side.name == "need" else "撤回服务",
                 dependencies=[Depends(csrf_protect)])
    def close(request: Request, session: SessionDep, user: owner, posting_id: RowId) -> PostingOut:
        """Close the posting; its proposals not yet reviewed are withdrawn."""
        row = lifecycle.close(session, request.app.state.index, side, posting_id=posting_id,
                             org_id=user.org_id or 0, actor_id=user.id)
        return posting_out(row, side.money_field)

    def open_again(service: Any, request: Request, session: Session, user: CurrentUser,
                   posting_id: RowId) -> PostingWithMatches:
        s = request.app.state.settings
        row = service(session, request.app.state.index, side, posting_id=posting_id,
                      org_id=user.org_id or 0, actor_id=user.id, threshold=s.match_threshold,
                      top=s.match_top_k)
        return with_matches(session, row, user.org_id)

    @router.post("/{posting_id}/publish", response_model=PostingWithMatches, summary="发布草稿",
                 dependencies=[Depends(csrf_protect)])
    def publish(request: Request, session: SessionDep, user: owner, posting_id: RowId) -> PostingWithMatches:
        """Publish a draft: matched at once and pushed, like a new posting."""
        return open_again(lifecycle.publish, request, session, user, posting_id)

    @router.post("/{posting_id}/reopen", response_model=PostingWithMatches, summary="重新开放",
                 dependencies=[Depends(csrf_protect)])
    def reopen(request: Request, session: SessionDep, user: owner, posting_id: RowId) -> PostingWithMatches:
        """Reopen a closed need or withdrawn offer before its deadline; it is matched again."""
        return open_again(lifecycle.reopen, request, session, user, posting_id)

    @router.get("/{posting_id}/recommendations", response_model=list[MatchOut], summary="推荐及理由")
    def recommendations(session: SessionDep, user: owner, posting_id: RowId) -> list[MatchOut]:
        """The posting's recommendations, best first, the other side anonymous until approval."""
        recs = portal.recommendations(session, side, posting_id=posting_id, org_id=user.org_id)
        return [match_out(v) for v in recs]

    return router

"""The pages of one side's matches: list, one match with its story, interest, rating."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import CurrentUser, FormDep, SessionDep, csrf_protect
from web.presentation.responses import render
from web.routes.params import Marker, PageNumber, RowId, SearchText, StatusFilter
from web.services.errors import ValidationFailed
from web.services.matches import portal_views, ratings, story
from web.services.matches.interest import express_interest, withdraw_interest
from web.services.postings.side import Side


def add_match_pages(router: APIRouter, side: Side, member: Any) -> None:
    """Add the match pages of ``side``'s portal to ``router`` (``member``: its user dependency)."""
    role, base = side.role, f"/{side.role}"
    ctx_base = {"side": side}

    @router.get(f"{base}/matches", name=f"{role}_matches")
    def list_matches(
        request: Request, session: SessionDep, user: member,
        status: StatusFilter = None,
        q: SearchText = None,
        page: PageNumber = 1,
    ) -> Response:
        """The organisation's matches with their status."""
        result = portal_views.list_org_matches(session, side, org_id=user.org_id, status=status or None,
                                        q=q or None, page=page)
        return render(request, "matches/list.html", {**ctx_base, "page": result, "status": status or "",
                                                     "q": q or ""})

    match_flash = {
        "interest": "已表达合作意向，服务专员将尽快处理；在审核通过前，对方不会看到您的信息。",
        "withdrawn": "已撤回合作意向，服务专员已收到通知。",
        "rated": "感谢评价！评价将计入对方的机构画像。",
    }

    def _match_page(request: Request, session: SessionDep, user: CurrentUser, match_id: int, *,
                    flash: str | None = None, error: ValidationFailed | None = None,
                    form: dict[str, str] | None = None, status_code: int = 200) -> Response:
        view = portal_views.portal_view(session, side, match_id=match_id, org_id=user.org_id)
        contract, steps = story.match_story(session, match_id=match_id)
        return render(request, "matches/detail.html", {
            **ctx_base, "v": view, "contract": contract, "steps": steps,
            "my_rating": ratings.own_rating(session, match_id=match_id, org_id=user.org_id),
            "SCORE_LABELS": ratings.SCORE_LABELS, "form": form or {},
            "errors": error.errors if error else {},
            "flash": error.message if error else flash, "flash_kind": "error" if error else "ok",
        }, status_code=status_code)

    @router.get(f"{base}/matches/{{match_id}}", name=f"{role}_match_detail")
    def match_detail(request: Request, session: SessionDep, user: member, match_id: RowId,
                     done: Annotated[str, Query(max_length=16)] = "", interest: Marker = 0) -> Response:
        """One match: both texts with the shared terms marked, its steps, the contract, the rating."""
        return _match_page(request, session, user, match_id,
                           flash=match_flash.get("interest" if interest else done))

    @router.post(f"{base}/matches/{{match_id}}/interest", name=f"{role}_match_interest",
                 dependencies=[Depends(csrf_protect)])
    def interest(session: SessionDep, user: member, match_id: RowId) -> Response:
        """Express interest: marks the match and tells staff; the other side learns nothing yet."""
        express_interest(session, side, match_id=match_id, user_id=user.id, org_id=user.org_id)
        return RedirectResponse(f"{base}/matches/{match_id}?done=interest", status_code=303)

    @router.post(f"{base}/matches/{{match_id}}/interest/withdraw", name=f"{role}_match_interest_withdraw",
                 dependencies=[Depends(csrf_protect)])
    def interest_withdraw(session: SessionDep, user: member, match_id: RowId) -> Response:
        """Take back the expression of interest while the match is open; staff are told."""
        withdraw_interest(session, side, match_id=match_id, user_id=user.id, org_id=user.org_id)
        return RedirectResponse(f"{base}/matches/{match_id}?done=withdrawn", status_code=303)

    @router.post(f"{base}/matches/{{match_id}}/rating", name=f"{role}_match_rate",
                 dependencies=[Depends(csrf_protect)])
    def rate(request: Request, session: SessionDep, user: member, match_id: RowId, form: FormDep) -> Response:
        """Rate the other side after a signed contract (once)."""
        try:
            ratings.rate_match(session, side, match_id=match_id, user_id=user.id, org_id=user.org_id,
                               score=form.get("score", ""), comment=form.get("comment", ""))
        except ValidationFailed as exc:
            return _match_page(request, session, user, match_id, error=exc, form=form, status_code=422)
        return RedirectResponse(f"{base}/matches/{match_id}?done=rated", status_code=303)

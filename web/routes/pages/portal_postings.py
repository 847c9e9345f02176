"""The pages of one side's own postings: list, post (or save a draft), edit, close, publish, reopen."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import CurrentUser, FormDep, IndexDep, SessionDep, SettingsDep, TodayDep, csrf_protect
from web.presentation.confirm import ConfirmDep, Question, ask
from web.presentation.responses import render
from web.routes.params import Marker, PageNumber, RowId, SearchText, StatusFilter
from web.services.errors import ValidationFailed
from web.services.matches import portal_views
from web.services.matching import feed
from web.services.postings import lifecycle, listing
from web.services.postings.side import Side


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def add_posting_pages(router: APIRouter, side: Side, member: Any) -> None:
    """Add the posting pages of ``side``'s portal to ``router`` (``member``: its user dependency)."""
    role, base, items = side.role, f"/{side.role}", side.plural
    ctx_base = {"side": side}

    @router.get(f"{base}/{items}", name=f"{role}_postings")
    def list_postings(
        request: Request, session: SessionDep, settings: SettingsDep, user: member,
        status: StatusFilter = None,
        category: Annotated[str | None, Query(max_length=32)] = None,
        q: SearchText = None,
        date_from: Annotated[str | None, Query(max_length=10)] = None,
        date_to: Annotated[str | None, Query(max_length=10)] = None,
        page: PageNumber = 1,
    ) -> Response:
        """The organisation's own postings, filtered and paginated."""
        filters = listing.PostingFilter(status=status or None, category=category or None, q=q or None,
                                         date_from=_day(date_from), date_to=_day(date_to))
        result = listing.list_postings(session, side, org_id=user.org_id, filters=filters, tz=settings.tz,
                                        page=page)
        return render(request, "postings/list.html", {**ctx_base, "page": result, "filters": filters,
                                                      "raw": {"date_from": date_from or "", "date_to": date_to or ""}})

    @router.get(f"{base}/{items}/new", name=f"{role}_posting_new")
    def new_posting(request: Request, user: member) -> Response:
        """The form to post a need or an offer."""
        return render(request, "postings/form.html", {**ctx_base, "values": {}, "errors": {}, "editing": None})

    @router.post(f"{base}/{items}", name=f"{role}_posting_create", dependencies=[Depends(csrf_protect)])
    def create_posting(request: Request, session: SessionDep, index: IndexDep, today: TodayDep, user: member,
                       form: FormDep) -> Response:
        """Post it (store, match at once, push, show recommendations) or save it as a draft."""
        draft = form.get("action") == "draft"
        try:
            row = lifecycle.create(session, index, side, org_id=user.org_id or 0,
                                   actor_id=user.id, values=form, draft=draft, today=today)
        except ValidationFailed as exc:
            return render(request, "postings/form.html",
                          {**ctx_base, "values": form, "errors": exc.errors, "editing": None,
                           "flash": exc.message, "flash_kind": "error"}, status_code=422)
        return RedirectResponse(f"{base}/{items}/{row.id}?{'drafted' if draft else 'posted'}=1",
                                status_code=303)

    @router.get(f"{base}/{items}/{{posting_id}}", name=f"{role}_posting_detail")
    def posting_detail(request: Request, session: SessionDep, today: TodayDep, user: member, posting_id: RowId,
                       posted: Marker = 0, updated: Marker = 0, drafted: Marker = 0, reopened: Marker = 0,
                       closed: Marker = 0) -> Response:
        """One posting with its recommendations and their reasons."""
        row = listing.get_own(session, side, posting_id=posting_id, org_id=user.org_id)
        recs = portal_views.recommendations(session, side, posting_id=posting_id, org_id=user.org_id)
        matching = row.status == side.statuses.open and feed.pending(session, side=side.name, posting_id=posting_id)
        flash = None
        if posted and matching:
            flash = f"{side.label}已发布。平台正在为您匹配，推荐几秒内显示在下方并推送给对方。"
        elif posted:
            flash = f"{side.label}已发布，平台已为您匹配{len(recs)}条推荐，并推送给对方。"
        elif drafted:
            flash = "草稿已保存，仅本机构可见；发布后平台才会为您匹配。"
        elif closed:
            flash = f"{side.label}已{side.close_verb}，平台不再为其自动匹配；尚未审核的推荐已撤回。"
        elif reopened:
            flash = f"{side.label}已重新开放，平台已重新匹配，共{len(recs)}条推荐。"
        elif updated:
            flash = f"{side.label}已更新。" if row.status == side.statuses.draft else f"{side.label}已更新，推荐已刷新。"
        return render(request, "postings/detail.html", {**ctx_base, "posting": row, "recs": recs,
                                                        "flash": flash, "matching": matching,
                                                        "today": today})

    @router.get(f"{base}/{items}/{{posting_id}}/edit", name=f"{role}_posting_edit")
    def edit_form(request: Request, session: SessionDep, user: member, posting_id: RowId) -> Response:
        """The form to change an open posting."""
        row = listing.get_own(session, side, posting_id=posting_id, org_id=user.org_id)
        values = {k: getattr(row, k) for k in ("title", "description", "category", "industry",
                                                side.money_field, "deadline")}
        return render(request, "postings/form.html", {**ctx_base, "values": values, "errors": {}, "editing": row})

    @router.post(f"{base}/{items}/{{posting_id}}/edit", name=f"{role}_posting_update",
                 dependencies=[Depends(csrf_protect)])
    def update_posting(request: Request, session: SessionDep, index: IndexDep, today: TodayDep, user: member,
                       posting_id: RowId, form: FormDep) -> Response:
        """Save the change and refresh the posting's proposals."""
        try:
            lifecycle.edit(session, index, side, posting_id=posting_id, org_id=user.org_id or 0,
                           actor_id=user.id, values=form, today=today)
        except ValidationFailed as exc:
            row = listing.get_own(session, side, posting_id=posting_id, org_id=user.org_id)
            return render(request, "postings/form.html",
                          {**ctx_base, "values": form, "errors": exc.errors, "editing": row,
                           "flash": exc.message, "flash_kind": "error"}, status_code=422)
        return RedirectResponse(f"{base}/{items}/{posting_id}?updated=1", status_code=303)

    @router.post(f"{base}/{items}/{{posting_id}}/close", name=f"{role}_posting_close",
                 dependencies=[Depends(csrf_protect)])
    def close_posting(request: Request, session: SessionDep, index: IndexDep, user: member,
                      posting_id: RowId, confirm: ConfirmDep) -> Response:
        """Close (or withdraw) the posting after a confirmation; its open proposals are withdrawn."""
        if not confirm.confirmed:
            row = listing.get_own(session, side, posting_id=posting_id, org_id=user.org_id)
            verb = side.close_verb
            return ask(request, Question(
                title=f"{verb}{side.label}", confirm_label=f"确认{verb}",
                cancel_url=f"{base}/{items}/{posting_id}", details=((side.label, row.title),),
                consequence=f"{verb}后平台不再为该{side.label}自动匹配，尚未审核的推荐将撤回；"
                            "截止日期前可以重新开放。"), confirm)
        lifecycle.close(session, index, side, posting_id=posting_id, org_id=user.org_id or 0, actor_id=user.id)
        return RedirectResponse(f"{base}/{items}/{posting_id}?closed=1", status_code=303)

    def open_again(service: Any, session: SessionDep, index: IndexDep, today: date, user: CurrentUser,
                   posting_id: RowId, flag: str) -> Response:
        service(session, index, side, posting_id=posting_id, org_id=user.org_id or 0, actor_id=user.id,
                today=today)
        return RedirectResponse(f"{base}/{items}/{posting_id}?{flag}=1", status_code=303)

    @router.post(f"{base}/{items}/{{posting_id}}/publish", name=f"{role}_posting_publish",
                 dependencies=[Depends(csrf_protect)])
    def publish_posting(session: SessionDep, index: IndexDep, today: TodayDep, user: member,
                        posting_id: RowId) -> Response:
        """Publish a draft: matched at once and pushed, like a new posting."""
        return open_again(lifecycle.publish, session, index, today, user, posting_id, "posted")

    @router.post(f"{base}/{items}/{{posting_id}}/reopen", name=f"{role}_posting_reopen",
                 dependencies=[Depends(csrf_protect)])
    def reopen_posting(session: SessionDep, index: IndexDep, today: TodayDep, user: member,
                       posting_id: RowId) -> Response:
        """Reopen a closed need or withdrawn offer (before its deadline); it is matched again."""
        return open_again(lifecycle.reopen, session, index, today, user, posting_id, "reopened")

"""Shared machinery of the enterprise and provider portals (they mirror each other).

`build_portal_router(side)` makes the router of one portal; web/routes/__init__.py
mounts one per side. Routes parse input, call one service, then render or redirect.
"""


from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import (
    CurrentUser,
    IndexDep,
    SessionDep,
    SettingsDep,
    TodayDep,
    csrf_protect,
    require_roles,
    unread_badge,
)
from web.presentation.confirm import ConfirmDep, Question, ask
from web.presentation.responses import render
from web.routes.params import Marker, PageNumber, RowId
from web.services.errors import ValidationFailed
from web.services.matches import ratings, views
from web.services.matches.interest import express_interest, withdraw_interest
from web.services.matching import feed
from web.services.organisations import records
from web.services.postings import lifecycle, listing
from web.services.postings.side import Side


async def form_data(request: Request) -> dict[str, str]:
    """The submitted form as plain strings (files are ignored)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_data)]


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def build_portal_router(side: Side) -> APIRouter:
    """The portal of one side: home, postings, matches, profile."""
    role, base, items = side.role, f"/{side.role}", side.plural
    member = Annotated[CurrentUser, Depends(require_roles(role))]
    router = APIRouter(tags=["pages"], dependencies=[Depends(require_roles(role)), Depends(unread_badge)])
    ctx_base = {"side": side}

    @router.get(base, name=f"{role}_home")
    def home(request: Request, session: SessionDep, user: member, welcome: Marker = 0) -> Response:
        """The portal's start page: open postings, recent matches, unread messages."""
        summary = views.portal_summary(session, side, org_id=user.org_id)
        flash = (f"注册成功，欢迎使用！下一步：发布贵单位的第一条{side.label}，平台会立即为您匹配"
                 f"{'服务机构' if side.name == 'need' else '企业需求'}并推送给对方；也可先到“机构资料”完善信息。"
                 if welcome else None)
        return render(request, f"{role}/home.html", {**ctx_base, "summary": summary, "flash": flash})

    @router.get(f"{base}/{items}", name=f"{role}_postings")
    def list_postings(
        request: Request, session: SessionDep, settings: SettingsDep, user: member,
        status: Annotated[str | None, Query(max_length=16)] = None,
        category: Annotated[str | None, Query(max_length=32)] = None,
        q: Annotated[str | None, Query(max_length=50)] = None,
        date_from: Annotated[str | None, Query(max_length=10)] = None,
        date_to: Annotated[str | None, Query(max_length=10)] = None,
        page: PageNumber = 1,
    ) -> Response:
        """The organisation's own postings, filtered and paginated."""
        filters = listing.PostingFilter(status=status or None, category=category or None, q=q or None,
                                         date_from=parse_day(date_from), date_to=parse_day(date_to))
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
        recs = views.recommendations(session, side, posting_id=posting_id, org_id=user.org_id)
        matching = row.status == "open" and feed.pending(session, side=side.name, posting_id=posting_id)
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
            flash = f"{side.label}已更新。" if row.status == "draft" else f"{side.label}已更新，推荐已刷新。"
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

    @router.get(f"{base}/matches", name=f"{role}_matches")
    def list_matches(
        request: Request, session: SessionDep, user: member,
        status: Annotated[str | None, Query(max_length=16)] = None,
        q: Annotated[str | None, Query(max_length=50)] = None,
        page: PageNumber = 1,
    ) -> Response:
        """The organisation's matches with their status."""
        result = views.list_org_matches(session, side, org_id=user.org_id, status=status or None,
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
        view = views.portal_view(session, side, match_id=match_id, org_id=user.org_id)
        contract, steps = views.match_story(session, match_id=match_id)
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

    @router.get(f"{base}/profile", name=f"{role}_profile")
    def profile(request: Request, session: SessionDep, user: member, saved: Marker = 0) -> Response:
        """The organisation's own profile (portrait fields are private to it and staff)."""
        return _profile_page(request, session, user, values=None, errors={},
                             flash="资料已保存。" if saved else None)

    def _profile_page(request: Request, session: SessionDep, user: CurrentUser, *, values: dict | None,
                      errors: dict, flash: str | None = None, status_code: int = 200) -> Response:
        org = records.get_organisation(session, user.org_id)
        quals = records.list_qualifications(session, org_id=org.id) if side.keeps_qualifications else []
        return render(request, "account/profile.html", {
            **ctx_base, "org": org, "values": values, "errors": errors, "quals": quals,
            "flash": flash,
            "flash_kind": "error" if errors else "ok"}, status_code=status_code)

    @router.post(f"{base}/profile", name=f"{role}_profile_save", dependencies=[Depends(csrf_protect)])
    def save_profile(request: Request, session: SessionDep, today: TodayDep, user: member,
                     form: FormDep) -> Response:
        """Save the profile."""
        try:
            records.update_profile(session, org_id=user.org_id or 0, actor_id=user.id, values=form, today=today)
        except ValidationFailed as exc:
            return _profile_page(request, session, user, values=form, errors=exc.errors,
                                 flash=exc.message, status_code=422)
        return RedirectResponse(f"{base}/profile?saved=1", status_code=303)

    if side.keeps_qualifications:
        @router.post(f"{base}/profile/qualifications", name="enterprise_qualification_add",
                     dependencies=[Depends(csrf_protect)])
        def add_qualification(request: Request, session: SessionDep, today: TodayDep, user: member,
                              form: FormDep) -> Response:
            """Record a qualification (高新技术企业, 雏鹰, 瞪羚 …)."""
            try:
                records.add_qualification(session, org_id=user.org_id or 0, actor_id=user.id, values=form,
                                          today=today)
            except ValidationFailed as exc:
                return _profile_page(request, session, user, values=None, errors=exc.errors,
                                     flash=exc.message, status_code=422)
            return RedirectResponse(f"{base}/profile?saved=1", status_code=303)

        @router.post(f"{base}/profile/qualifications/{{qualification_id}}/delete",
                     name="enterprise_qualification_delete", dependencies=[Depends(csrf_protect)])
        def delete_qualification(request: Request, session: SessionDep, user: member,
                                 qualification_id: RowId) -> Response:
            """Remove one of the enterprise's qualifications."""
            records.remove_qualification(session, org_id=user.org_id or 0, actor_id=user.id,
                                         qualification_id=qualification_id)
            return RedirectResponse(f"{base}/profile?saved=1", status_code=303)

    return router


__all__ = ["FormDep", "build_portal_router", "parse_day"]

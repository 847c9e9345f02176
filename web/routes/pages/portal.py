"""Shared machinery of the enterprise and provider portals (they mirror each other).

`build_portal_router(side)` makes the router of one portal; web/routes/__init__.py
mounts one per side. Routes parse input, call one service, then render or redirect.
"""


import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from matcher.taxonomy import CATEGORIES, THEMES
from models.match import MATCH_STATUS_LABELS
from web.deps import (
    CurrentUser,
    SessionDep,
    csrf_protect,
    require_roles,
    unread_badge,
)
from web.routes.params import Marker, PageNumber, RowId
from web.services.errors import DomainError, ValidationFailed
from web.services.matches import portal
from web.services.matches.interest import express_interest
from web.services.organisations import records
from web.services.postings import lifecycle
from web.services.postings.lifecycle import Side


async def form_data(request: Request) -> dict[str, str]:
    """The submitted form as plain strings (files are ignored)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_data)]


def highlight(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    """Split ``text`` into (segment, is_shared_term) pairs; the template escapes each."""
    words = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not text or not words:
        return [(text or "", False)]
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    base = {"hl": highlight, "CATEGORIES": CATEGORIES, "THEMES": THEMES,
            "MATCH_STATUS_LABELS": MATCH_STATUS_LABELS}
    return request.app.state.templates.TemplateResponse(request, name, {**base, **context},
                                                        status_code=status_code)


def query_without_page(request: Request) -> str:
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page" and v])


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def build_portal_router(side: Side) -> APIRouter:
    """The portal of one side: home, postings, matches, profile."""
    role = side.role
    base = f"/{role}"
    items = "needs" if side.name == "need" else "offers"
    member = Annotated[CurrentUser, Depends(require_roles(role))]
    router = APIRouter(tags=["pages"], dependencies=[Depends(require_roles(role)), Depends(unread_badge)])
    ctx_base = {"side": side, "base": base, "items": items, "role": role}
    close_label = "关闭" if side.name == "need" else "撤回"

    @router.get(base, name=f"{role}_home")
    def home(request: Request, session: SessionDep, user: member) -> Response:
        """The portal's start page: open postings, recent matches, unread messages."""
        summary = portal.summary(session, side, org_id=user.org_id)
        return render(request, f"{role}/home.html", {**ctx_base, "summary": summary})

    @router.get(f"{base}/{items}", name=f"{role}_postings")
    def list_postings(
        request: Request, session: SessionDep, user: member,
        status: Annotated[str | None, Query(max_length=16)] = None,
        category: Annotated[str | None, Query(max_length=32)] = None,
        q: Annotated[str | None, Query(max_length=50)] = None,
        date_from: Annotated[str | None, Query(max_length=10)] = None,
        date_to: Annotated[str | None, Query(max_length=10)] = None,
        page: PageNumber = 1,
    ) -> Response:
        """The organisation's own postings, filtered and paginated."""
        filters = lifecycle.PostingFilter(status=status or None, category=category or None, q=q or None,
                                         date_from=parse_day(date_from), date_to=parse_day(date_to))
        result = lifecycle.list_postings(session, side, org_id=user.org_id, filters=filters, page=page)
        return render(request, "postings/list.html", {**ctx_base, "page": result, "filters": filters,
                                                      "raw": {"date_from": date_from or "", "date_to": date_to or ""},
                                                      "qs": query_without_page(request)})

    @router.get(f"{base}/{items}/new", name=f"{role}_posting_new")
    def new_posting(request: Request, user: member) -> Response:
        """The form to post a need or an offer."""
        return render(request, "postings/form.html", {**ctx_base, "values": {}, "errors": {}, "editing": None})

    @router.post(f"{base}/{items}", name=f"{role}_posting_create", dependencies=[Depends(csrf_protect)])
    def create_posting(request: Request, session: SessionDep, user: member, form: FormDep) -> Response:
        """Post it (store, match at once, push, show recommendations) or save it as a draft."""
        settings = request.app.state.settings
        draft = form.get("action") == "draft"
        try:
            row = lifecycle.create(session, request.app.state.index, side, org_id=user.org_id or 0,
                                  actor_id=user.id, values=form, draft=draft,
                                  threshold=settings.match_threshold, top=settings.match_top_k)
        except ValidationFailed as exc:
            return render(request, "postings/form.html",
                          {**ctx_base, "values": form, "errors": exc.errors, "editing": None,
                           "flash": exc.message, "flash_kind": "error"}, status_code=422)
        return RedirectResponse(f"{base}/{items}/{row.id}?{'drafted' if draft else 'posted'}=1",
                                status_code=303)

    @router.get(f"{base}/{items}/{{posting_id}}", name=f"{role}_posting_detail")
    def posting_detail(request: Request, session: SessionDep, user: member, posting_id: RowId,
                       posted: Marker = 0, updated: Marker = 0, drafted: Marker = 0, reopened: Marker = 0) -> Response:
        """One posting with its recommendations and their reasons."""
        row = lifecycle.get_own(session, side, posting_id=posting_id, org_id=user.org_id)
        recs = portal.recommendations(session, side, posting_id=posting_id, org_id=user.org_id)
        flash = None
        if posted:
            flash = f"{side.label}已发布，平台已为您匹配{len(recs)}条推荐，并推送给对方。"
        elif drafted:
            flash = "草稿已保存，仅本机构可见；发布后平台才会为您匹配。"
        elif reopened:
            flash = f"{side.label}已重新开放，平台已重新匹配，共{len(recs)}条推荐。"
        elif updated:
            flash = f"{side.label}已更新。" if row.status == "draft" else f"{side.label}已更新，推荐已刷新。"
        return render(request, "postings/detail.html", {**ctx_base, "posting": row, "recs": recs,
                                                        "flash": flash, "close_label": close_label,
                                                        "today": date.today()})

    @router.get(f"{base}/{items}/{{posting_id}}/edit", name=f"{role}_posting_edit")
    def edit_form(request: Request, session: SessionDep, user: member, posting_id: RowId) -> Response:
        """The form to change an open posting."""
        row = lifecycle.get_own(session, side, posting_id=posting_id, org_id=user.org_id)
        values = {k: getattr(row, k) for k in ("title", "description", "category", "industry",
                                                side.money_field, "deadline")}
        return render(request, "postings/form.html", {**ctx_base, "values": values, "errors": {}, "editing": row})

    @router.post(f"{base}/{items}/{{posting_id}}/edit", name=f"{role}_posting_update",
                 dependencies=[Depends(csrf_protect)])
    def update_posting(request: Request, session: SessionDep, user: member, posting_id: RowId,
                       form: FormDep) -> Response:
        """Save the change and refresh the posting's proposals."""
        settings = request.app.state.settings
        try:
            lifecycle.edit(session, request.app.state.index, side, posting_id=posting_id,
                          org_id=user.org_id or 0, actor_id=user.id, values=form,
                          threshold=settings.match_threshold, top=settings.match_top_k)
        except ValidationFailed as exc:
            row = lifecycle.get_own(session, side, posting_id=posting_id, org_id=user.org_id)
            return render(request, "postings/form.html",
                          {**ctx_base, "values": form, "errors": exc.errors, "editing": row,
                           "flash": exc.message, "flash_kind": "error"}, status_code=422)
        return RedirectResponse(f"{base}/{items}/{posting_id}?updated=1", status_code=303)

    @router.post(f"{base}/{items}/{{posting_id}}/close", name=f"{role}_posting_close",
                 dependencies=[Depends(csrf_protect)])
    def close_posting(request: Request, session: SessionDep, user: member, posting_id: RowId) -> Response:
        """Close (or withdraw) the posting; its open proposals are withdrawn."""
        lifecycle.close(session, request.app.state.index, side, posting_id=posting_id,
                       org_id=user.org_id or 0, actor_id=user.id)
        return RedirectResponse(f"{base}/{items}/{posting_id}", status_code=303)

    def open_again(service: Any, request: Request, session: SessionDep, user: CurrentUser,
                   posting_id: RowId, flag: str) -> Response:
        settings = request.app.state.settings
        service(session, request.app.state.index, side, posting_id=posting_id, org_id=user.org_id or 0,
                actor_id=user.id, threshold=settings.match_threshold, top=settings.match_top_k)
        return RedirectResponse(f"{base}/{items}/{posting_id}?{flag}=1", status_code=303)

    @router.post(f"{base}/{items}/{{posting_id}}/publish", name=f"{role}_posting_publish",
                 dependencies=[Depends(csrf_protect)])
    def publish_posting(request: Request, session: SessionDep, user: member, posting_id: RowId) -> Response:
        """Publish a draft: matched at once and pushed, like a new posting."""
        return open_again(lifecycle.publish, request, session, user, posting_id, "posted")

    @router.post(f"{base}/{items}/{{posting_id}}/reopen", name=f"{role}_posting_reopen",
                 dependencies=[Depends(csrf_protect)])
    def reopen_posting(request: Request, session: SessionDep, user: member, posting_id: RowId) -> Response:
        """Reopen a closed need or withdrawn offer (before its deadline); it is matched again."""
        return open_again(lifecycle.reopen, request, session, user, posting_id, "reopened")

    @router.get(f"{base}/matches", name=f"{role}_matches")
    def list_matches(
        request: Request, session: SessionDep, user: member,
        status: Annotated[str | None, Query(max_length=16)] = None,
        q: Annotated[str | None, Query(max_length=50)] = None,
        page: PageNumber = 1,
    ) -> Response:
        """The organisation's matches with their status."""
        result = portal.list_org_matches(session, role=role, org_id=user.org_id, status=status or None,
                                         q=q or None, page=page)
        return render(request, "matches/list.html", {**ctx_base, "page": result, "status": status or "",
                                                     "q": q or "", "qs": query_without_page(request)})

    @router.get(f"{base}/matches/{{match_id}}", name=f"{role}_match_detail")
    def match_detail(request: Request, session: SessionDep, user: member, match_id: RowId,
                     interest: Marker = 0) -> Response:
        """One match: both texts with the shared terms marked, the other side as privacy allows."""
        view = portal.match_view(session, match_id=match_id, role=role, org_id=user.org_id)
        flash = "已表达合作意向，服务专员将尽快处理；在审核通过前，对方不会看到您的信息。" if interest else None
        return render(request, "matches/detail.html", {**ctx_base, "v": view, "flash": flash})

    @router.post(f"{base}/matches/{{match_id}}/interest", name=f"{role}_match_interest",
                 dependencies=[Depends(csrf_protect)])
    def interest(request: Request, session: SessionDep, user: member, match_id: RowId) -> Response:
        """Express interest: marks the match and tells staff; the other side learns nothing yet."""
        express_interest(session, match_id=match_id, user_id=user.id, role=role, org_id=user.org_id)
        return RedirectResponse(f"{base}/matches/{match_id}?interest=1", status_code=303)

    @router.get(f"{base}/profile", name=f"{role}_profile")
    def profile(request: Request, session: SessionDep, user: member, saved: Marker = 0) -> Response:
        """The organisation's own profile (portrait fields are private to it and staff)."""
        org = records.get_organisation(session, user.org_id)
        return _profile_page(request, session, org, values=None, errors={},
                             flash="资料已保存。" if saved else None)

    def _profile_page(request: Request, session: SessionDep, org: Any, *, values: dict | None,
                      errors: dict, flash: str | None = None, status_code: int = 200) -> Response:
        quals = records.list_qualifications(session, org_id=org.id) if role == "enterprise" else []
        return render(request, "account/profile.html", {
            **ctx_base, "org": org, "values": values, "errors": errors, "quals": quals,
            "flash": flash,
            "flash_kind": "error" if errors else "ok"}, status_code=status_code)

    @router.post(f"{base}/profile", name=f"{role}_profile_save", dependencies=[Depends(csrf_protect)])
    def save_profile(request: Request, session: SessionDep, user: member, form: FormDep) -> Response:
        """Save the profile."""
        try:
            records.update_profile(session, org_id=user.org_id or 0, actor_id=user.id, values=form)
        except ValidationFailed as exc:
            org = records.get_organisation(session, user.org_id)
            return _profile_page(request, session, org, values=form, errors=exc.errors,
                                 flash=exc.message, status_code=422)
        return RedirectResponse(f"{base}/profile?saved=1", status_code=303)

    if role == "enterprise":
        @router.post(f"{base}/profile/qualifications", name="enterprise_qualification_add",
                     dependencies=[Depends(csrf_protect)])
        def add_qualification(request: Request, session: SessionDep, user: member, form: FormDep) -> Response:
            """Record a qualification (高新技术企业, 雏鹰, 瞪羚 …)."""
            try:
                records.add_qualification(session, org_id=user.org_id or 0, actor_id=user.id, values=form)
            except ValidationFailed as exc:
                org = records.get_organisation(session, user.org_id)
                return _profile_page(request, session, org, values=None, errors=exc.errors,
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


__all__ = ["DomainError", "build_portal_router", "highlight", "render"]

"""Staff pages: the review queue, one proposal side by side, decisions, manual matches, feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from models.match import MatchStatus
from web.deps import SessionDep, SettingsDep, TodayDep, csrf_protect, unread_badge
from web.presentation.confirm import ConfirmDep, Question, ask
from web.presentation.paths import route_path
from web.presentation.responses import render, xlsx_response
from web.routes.pages.staff_common import StaffDep, redirect_with, safe_back, to_float, to_int
from web.routes.params import BodyId, FormRowId, RowId
from web.services import dictionaries
from web.services.errors import ValidationFailed
from web.services.liaison import workspace
from web.services.matches import exports, manual, review
from web.services.matches.staff_views import staff_view
from web.services.matching import feedback
from web.services.postings.side import NEED, OFFER

router = APIRouter(prefix="/staff", tags=["pages"], dependencies=[Depends(unread_badge)])
CSRF = [Depends(csrf_protect)]

_DONE = {
    "approved": "已批准该匹配，已通知供需双方并开放联系方式。",
    "rejected": "已驳回该匹配（不通知双方，决定已记录）。",
    "manual": "已创建手动撮合。",
}


def _filters(request: Request, default_threshold: float) -> review.QueueFilters:
    q = request.query_params
    threshold = to_float(q.get("threshold"))
    category = q.get("category") or None
    return review.QueueFilters(
        threshold=default_threshold if threshold is None else threshold,
        category=category[:50] if category else None,  # an unknown one simply matches nothing
        min_score=to_float(q.get("min_score")), max_score=to_float(q.get("max_score")),
        min_age_days=to_int(q.get("min_age")), max_age_days=to_int(q.get("max_age")),
        org=(q.get("org") or "").strip()[:50] or None,
    )


def _flash(request: Request) -> str | None:
    q = request.query_params
    done = q.get("done")
    if done == "bulk":
        verb = "批准" if q.get("d") == "approve" else "驳回" if q.get("d") == "reject" else "处理"
        told = "，已通知供需双方并公开双方联系方式" if verb == "批准" else ""
        return (f"批量{verb}完成：{verb} {to_int(q.get('n')) or 0} 条{told}；"
                f"已被他人处理而跳过 {to_int(q.get('s')) or 0} 条。")
    return _DONE.get(done or "")


@router.get("/review", name="staff_review")
def review_queue(request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep,
                 user: StaffDep) -> Response:
    """The queue of engine proposals at or above the threshold, best first."""
    filters = _filters(request, settings.match_threshold)
    page = review.list_queue(session, filters=filters, page=to_int(request.query_params.get("page"), lo=1) or 1)
    return render(request, "staff/review.html", {
        "page": page, "filters": filters, "categories": [c for c, _ in dictionaries.options(session, "category")],
        "reasons": dict(dictionaries.options(session, "reject_reason")),
        "default_threshold": settings.match_threshold, "flash": _flash(request),
        "query": request.url.remove_query_params(["done", "n", "s", "d", "select"]).query,
        "select_all": request.query_params.get("select") == "page",
        "liaison_overdue": workspace.overdue_count(session, user_id=user.id, today=today),
    })


@router.get("/review/export.xlsx", name="staff_review_export")
def review_export(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep) -> Response:
    """The filtered queue as an Excel file."""
    data = exports.queue_xlsx(session, filters=_filters(request, settings.match_threshold), tz=settings.tz)
    return xlsx_response(data, "审核队列.xlsx")


@router.get("/review/manual", name="staff_manual_form")
def manual_form(request: Request, session: SessionDep, user: StaffDep,
                nq: str = "", oq: str = "") -> Response:
    """Pick any need and any offer to pair by hand."""
    return render(request, "staff/manual.html", {
        "nq": nq[:50], "oq": oq[:50],
        "needs": manual.search_postings(session, NEED, q=nq[:50]),
        "offers": manual.search_postings(session, OFFER, q=oq[:50]),
    })


@router.post("/review/manual", name="staff_manual_create", dependencies=CSRF)
def manual_create(
    request: Request, session: SessionDep, user: StaffDep,
    need_id: FormRowId, offer_id: FormRowId,
    note: Annotated[str, Form(max_length=500)] = "", approve: Annotated[str, Form()] = "",
) -> Response:
    """Create a manual match (approved at once unless staff leave it in the queue)."""
    m = manual.create_manual_match(session, need_id=need_id, offer_id=offer_id, actor_id=user.id,
                                   note=note, approve=bool(approve))
    if m.status == MatchStatus.approved:
        return redirect_with(route_path(request, "staff_pipeline_detail", match_id=m.id), done="manual")
    return redirect_with(route_path(request, "staff_review_detail", match_id=m.id), done="manual")


@router.post("/review/bulk", name="staff_review_bulk", dependencies=CSRF)
def review_bulk(
    request: Request, session: SessionDep, user: StaffDep, confirm: ConfirmDep,
    decision: Annotated[str, Form()], match_ids: Annotated[list[BodyId], Form()] = [],  # noqa: B006
    reason_code: Annotated[str, Form()] = "", note: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Approve or reject every ticked proposal (approving asks for a confirmation first)."""
    if decision == "approve" and match_ids and not confirm.confirmed:
        return ask(request, Question(
            title=f"批量批准 {len(set(match_ids))} 条匹配", confirm_label="确认全部批准",
            consequence="批准后，每条匹配的供需双方将互相看到对方的名称与联系方式，并收到通知；此操作不能撤销。",
            cancel_url=safe_back(back, route_path(request, "staff_review"))), confirm)
    result = review.bulk_decide(session, match_ids=match_ids, actor_id=user.id, decision=decision,
                                reason_code=reason_code or None, note=note)
    return redirect_with(safe_back(back, route_path(request, "staff_review")), done="bulk", d=decision, n=len(result.done),
                         s=len(result.skipped))


@router.get("/review/{match_id}", name="staff_review_detail")
def review_detail(request: Request, session: SessionDep, user: StaffDep, match_id: RowId) -> Response:
    """One proposal: both postings side by side, shared terms highlighted, the decision forms."""
    view = staff_view(session, match_id)
    return render(request, "staff/review_detail.html", {
        "v": view, "reasons": dict(dictionaries.options(session, "reject_reason")),
        "flash": _DONE.get(request.query_params.get("done") or ""),
    })


def _decision_response(request: Request, back: str, match_id: int, done: str) -> Response:
    return redirect_with(safe_back(back, route_path(request, "staff_review_detail", match_id=match_id)), done=done)


@router.post("/review/{match_id}/approve", name="staff_review_approve", dependencies=CSRF)
def approve(request: Request, session: SessionDep, user: StaffDep, match_id: RowId, confirm: ConfirmDep,
            note: Annotated[str, Form(max_length=500)] = "", back: Annotated[str, Form()] = "") -> Response:
    """Approve one proposal (after a confirmation: it opens both sides' contact details)."""
    v = staff_view(session, match_id)
    if not confirm.confirmed and v.match.status == MatchStatus.proposed:  # decided already: the service says so
        return ask(request, Question(
            title="批准匹配", confirm_label="确认批准",
            consequence="批准后，供需双方将互相看到对方的名称与联系方式，并收到通知；此操作不能撤销。",
            cancel_url=safe_back(back, route_path(request, "staff_review_detail", match_id=match_id)),
            details=(("需求", f"{v.need.title}（{v.enterprise.name}）"),
                     ("服务", f"{v.offer.title}（{v.provider.name}）"))), confirm)
    review.approve_match(session, match_id=match_id, actor_id=user.id, note=note)
    return _decision_response(request, back, match_id, "approved")


@router.post("/review/{match_id}/reject", name="staff_review_reject", dependencies=CSRF)
def reject(request: Request, session: SessionDep, user: StaffDep, match_id: RowId,
           reason_code: Annotated[str, Form()] = "", note: Annotated[str, Form(max_length=500)] = "",
           back: Annotated[str, Form()] = "") -> Response:
    """Reject one proposal with a reason code."""
    try:
        review.reject_match(session, match_id=match_id, actor_id=user.id, reason_code=reason_code, note=note)
    except ValidationFailed as exc:
        view = staff_view(session, match_id)
        return render(request, "staff/review_detail.html", {
            "v": view, "reasons": dict(dictionaries.options(session, "reject_reason")),
            "flash": exc.message, "flash_kind": "error", "form": {"reason_code": reason_code, "note": note},
        }, status_code=422)
    return _decision_response(request, back, match_id, "rejected")


@router.get("/feedback", name="staff_feedback")
def feedback_page(request: Request, session: SessionDep, user: StaffDep) -> Response:
    """Per category, how often staff approve what the engine proposes."""
    stats = feedback.approval_stats(session)
    return render(request, "staff/feedback.html", {"stats": stats, "total": feedback.overall(stats)})

"""Staff pages: the deal pipeline board, one match's history and moves, contract exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from models.match import PIPELINE_STAGES, MatchStatus
from web.deps import SessionDep, SettingsDep, TodayDep, csrf_protect, unread_badge
from web.presentation.confirm import ConfirmDep, Question, ask
from web.presentation.paths import route_path
from web.presentation.responses import render, xlsx_response
from web.routes.pages.staff_common import StaffDep, redirect_with
from web.routes.params import RowId
from web.services.errors import ValidationFailed
from web.services.matches import contracts, exports, pipeline

router = APIRouter(prefix="/staff", tags=["pages"], dependencies=[Depends(unread_badge)])

_DONE = {"moved": "撮合进展已更新，已通知供需双方。", "manual": "已创建手动撮合并批准，已通知供需双方。",
         "approved": "已批准该匹配。", "corrected": "技术合同已更正，已通知供需双方。",
         "voided": "技术合同已作废，撮合已关闭，已通知供需双方；该合同金额不再计入技术合同成交额。"}


@router.get("/pipeline", name="staff_pipeline")
def pipeline_board(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep,
                   org: str = "", stale: str = "") -> Response:
    """Approved matches by stage, with stale ones flagged."""
    board = pipeline.board(session, stale_days=settings.stale_days, org=org[:50] or None,
                           stale_only=bool(stale))
    return render(request, "staff/pipeline.html", {
        "board": board, "columns": PIPELINE_STAGES, "org": org[:50], "stale": bool(stale),
    })


@router.get("/pipeline/export.xlsx", name="staff_pipeline_export")
def pipeline_export(session: SessionDep, settings: SettingsDep, user: StaffDep) -> Response:
    """The pipeline as an Excel file."""
    return xlsx_response(exports.pipeline_xlsx(session, stale_days=settings.stale_days, tz=settings.tz),
                         "撮合看板.xlsx")


@router.get("/contracts/export.xlsx", name="staff_contracts_export")
def contracts_export(session: SessionDep, user: StaffDep) -> Response:
    """Signed technology contracts as an Excel file."""
    return xlsx_response(exports.contracts_xlsx(session), "技术合同.xlsx")


def _detail(request: Request, session: SessionDep, settings: SettingsDep, match_id: int, *,
            flash: str | None = None, error: ValidationFailed | None = None,
            form: dict[str, str] | None = None, status_code: int = 200) -> Response:
    card = pipeline.card(session, match_id=match_id, stale_days=settings.stale_days)
    return render(request, "staff/pipeline_detail.html", {
        "c": card, "v": card.view, "history": pipeline.history(session, match_id=match_id),
        "moves": pipeline.allowed_moves(card.view.match.status),
        "flash": flash or (error.message if error else None),
        "flash_kind": "error" if error else None, "errors": error.errors if error else {},
        "form": form or {}, "stale_days": settings.stale_days,
    }, status_code=status_code)


@router.get("/pipeline/{match_id}", name="staff_pipeline_detail")
def pipeline_detail(request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep,
                    match_id: RowId) -> Response:
    """One match: stage, history of moves, and the form for the next move."""
    return _detail(request, session, settings, match_id, flash=_DONE.get(request.query_params.get("done") or ""))


@router.post("/pipeline/{match_id}/move", name="staff_pipeline_move", dependencies=[Depends(csrf_protect)])
def pipeline_move(
    request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep, user: StaffDep, match_id: RowId,
    to_status: Annotated[str, Form()], note: Annotated[str, Form(max_length=1000)] = "",
    amount_wan: Annotated[str, Form(max_length=30)] = "", signed_on: Annotated[str, Form(max_length=20)] = "",
    contract_type: Annotated[str, Form(max_length=16)] = "",
    registration_no: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Move a match to its next stage; 已签约 records the contract in the same transaction."""
    contract = (pipeline.ContractInput(amount_wan, signed_on, contract_type, registration_no)
                if to_status == MatchStatus.contracted else None)
    try:
        pipeline.move_match(session, match_id=match_id, to_status=to_status, actor_id=user.id,
                            note=note, contract=contract, today=today)
    except ValidationFailed as exc:
        form = {"to_status": to_status, "note": note, "amount_wan": amount_wan, "signed_on": signed_on,
                "contract_type": contract_type, "registration_no": registration_no}
        return _detail(request, session, settings, match_id, error=exc, form=form, status_code=422)
    return redirect_with(route_path(request, "staff_pipeline_detail", match_id=match_id), done="moved")


@router.post("/pipeline/{match_id}/contract/correct", name="staff_contract_correct",
             dependencies=[Depends(csrf_protect)])
def contract_correct(
    request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep, user: StaffDep, match_id: RowId,
    reason: Annotated[str, Form(max_length=1000)] = "",
    amount_wan: Annotated[str, Form(max_length=30)] = "", signed_on: Annotated[str, Form(max_length=20)] = "",
    contract_type: Annotated[str, Form(max_length=16)] = "",
    registration_no: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Correct a signed contract's figures, with a reason (audited, both sides told)."""
    try:
        contracts.correct_contract(session, match_id=match_id, actor_id=user.id, reason=reason,
                                   data=pipeline.ContractInput(amount_wan, signed_on, contract_type, registration_no),
                                   today=today)
    except ValidationFailed as exc:
        form = {"reason": reason, "amount_wan": amount_wan, "signed_on": signed_on,
                "contract_type": contract_type, "registration_no": registration_no, "which": "correct"}
        return _detail(request, session, settings, match_id, error=exc, form=form, status_code=422)
    return redirect_with(route_path(request, "staff_pipeline_detail", match_id=match_id), done="corrected")


@router.post("/pipeline/{match_id}/contract/void", name="staff_contract_void",
             dependencies=[Depends(csrf_protect)])
def contract_void(
    request: Request, session: SessionDep, settings: SettingsDep, user: StaffDep, match_id: RowId,
    confirm: ConfirmDep, reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Void a signed contract, with a reason: the match closes and the amount stops counting."""
    if reason.strip() and not confirm.confirmed:
        k = contracts.active_contract(session, match_id=match_id)
        return ask(request, Question(
            title="作废技术合同", confirm_label="确认作废", cancel_url=route_path(request, "staff_pipeline_detail", match_id=match_id),
            consequence="作废后撮合关闭，该合同金额不再计入技术合同成交额，并通知供需双方；此操作不能撤销。",
            details=(("合同金额", f"{k.amount_wan} 万元"), ("签约日期", k.signed_on.isoformat()),
                     ("作废原因", reason.strip()))), confirm)
    try:
        contracts.void_contract(session, match_id=match_id, actor_id=user.id, reason=reason)
    except ValidationFailed as exc:
        return _detail(request, session, settings, match_id, error=exc,
                       form={"void_reason": reason, "which": "void"}, status_code=422)
    return redirect_with(route_path(request, "staff_pipeline_detail", match_id=match_id), done="voided")

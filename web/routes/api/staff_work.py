"""JSON API for staff: the review queue, decisions, manual matches, pipeline, portraits, audit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from web.deps import CurrentUser, SessionDep, SettingsDep, TodayDep, csrf_protect, require_roles
from web.routes.params import BodyId, DateFilter, Days, PageNumber, PerPage, RowId, SearchText
from web.services.audit import list_audit, verify_chain
from web.services.matches import manual, pipeline, review
from web.services.matches.staff_views import StaffMatchView, staff_view
from web.services.matching import feedback
from web.services.organisations import portraits

router = APIRouter(prefix="/api/v1/staff", tags=["服务专员"], dependencies=[Depends(csrf_protect)])
StaffDep = Annotated[CurrentUser, Depends(require_roles("staff", "admin"))]


class FlagOut(BaseModel):
    code: str
    label: str


class MatchOut(BaseModel):
    id: int
    status: str
    source: str
    score: float
    category: str
    need_id: int
    need_title: str
    enterprise: str
    offer_id: int
    offer_title: str
    provider: str
    terms: list[str]
    flags: list[FlagOut]
    created_at: datetime
    reject_code: str | None = None
    reject_note: str | None = None


def _out(v: StaffMatchView) -> MatchOut:
    m = v.match
    return MatchOut(id=m.id or 0, status=m.status, source=m.source, score=m.score, category=v.need.category,
                    need_id=v.need.id or 0, need_title=v.need.title, enterprise=v.enterprise.name,
                    offer_id=v.offer.id or 0, offer_title=v.offer.title, provider=v.provider.name,
                    terms=v.terms, flags=[FlagOut(code=f.code, label=f.label) for f in v.flags],
                    created_at=m.created_at, reject_code=m.reject_code, reject_note=m.reject_note)


class QueueOut(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[MatchOut]


@router.get("/queue", response_model=QueueOut, summary="审核队列")
def queue(session: SessionDep, settings: SettingsDep, user: StaffDep,
          threshold: Annotated[float | None, Query(ge=0, le=1)] = None, category: str | None = None,
          min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
          max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
          min_age_days: Days = None,
          max_age_days: Days = None,
          org: SearchText = None,
          page: PageNumber = 1, per_page: PerPage = 20) -> QueueOut:
    """Proposed matches at or above the threshold, best first."""
    filters = review.QueueFilters(
        threshold=settings.match_threshold if threshold is None else threshold, category=category,
        min_score=min_score, max_score=max_score, min_age_days=min_age_days, max_age_days=max_age_days, org=org)
    p = review.list_queue(session, filters=filters, page=page, per_page=per_page)
    return QueueOut(total=p.total, page=p.page, per_page=p.per_page, items=[_out(v) for v in p.items])


@router.get("/matches/{match_id}", response_model=MatchOut, summary="匹配详情")
def match_detail(session: SessionDep, user: StaffDep, match_id: RowId) -> MatchOut:
    """One match with its postings' titles, shared terms and flags."""
    return _out(staff_view(session, match_id))


class Decision(BaseModel):
    note: str = Field(default="", max_length=500)


class Rejection(Decision):
    reason_code: str = Field(max_length=32)


@router.post("/matches/{match_id}/approve", response_model=MatchOut, summary="批准匹配")
def approve(session: SessionDep, user: StaffDep, match_id: RowId, body: Decision | None = None) -> MatchOut:
    """Approve a proposal: both sides are notified and see each other's contacts."""
    review.approve_match(session, match_id=match_id, actor_id=user.id, note=body.note if body else "")
    return _out(staff_view(session, match_id))


@router.post("/matches/{match_id}/reject", response_model=MatchOut, summary="驳回匹配")
def reject(session: SessionDep, user: StaffDep, match_id: RowId, body: Rejection) -> MatchOut:
    """Reject a proposal with a reason code (不相关 irrelevant, 服务能力不符 capability, …)."""
    review.reject_match(session, match_id=match_id, actor_id=user.id, reason_code=body.reason_code, note=body.note)
    return _out(staff_view(session, match_id))


class Bulk(BaseModel):
    match_ids: list[BodyId] = Field(max_length=200)
    decision: str = Field(pattern="^(approve|reject)$")
    reason_code: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=500)


class BulkOut(BaseModel):
    done: list[int]
    skipped: list[int]


@router.post("/matches/bulk", response_model=BulkOut, summary="批量批准或驳回")
def bulk(session: SessionDep, user: StaffDep, body: Bulk) -> BulkOut:
    """Decide several proposals at once; ones already decided are reported as skipped."""
    r = review.bulk_decide(session, match_ids=body.match_ids, actor_id=user.id, decision=body.decision,
                           reason_code=body.reason_code, note=body.note)
    return BulkOut(done=r.done, skipped=r.skipped)


class ManualMatch(BaseModel):
    need_id: BodyId
    offer_id: BodyId
    note: str = Field(default="", max_length=500)
    approve: bool = True


@router.post("/matches", response_model=MatchOut, status_code=201, summary="手动撮合")
def create_manual(session: SessionDep, user: StaffDep, body: ManualMatch) -> MatchOut:
    """Pair any need with any offer by hand."""
    m = manual.create_manual_match(session, need_id=body.need_id, offer_id=body.offer_id, actor_id=user.id,
                                   note=body.note, approve=body.approve)
    return _out(staff_view(session, m.id or 0))


class ContractIn(BaseModel):
    amount_wan: str = Field(max_length=30, description="合同金额（万元），如 \"85.50\"")
    signed_on: str = Field(max_length=20, description="签约日期 YYYY-MM-DD")
    contract_type: str = Field(max_length=16, description="技术开发/技术转让/技术许可/技术咨询/技术服务")
    registration_no: str | None = Field(default=None, max_length=64)


class Move(BaseModel):
    to_status: str = Field(max_length=16)
    note: str = Field(default="", max_length=1000)
    contract: ContractIn | None = None


class ContractOut(BaseModel):
    id: int
    match_id: int
    amount_wan: Decimal
    signed_on: date
    contract_type: str
    registration_no: str | None


class CardOut(BaseModel):
    match: MatchOut
    last_move_at: datetime
    stale: bool
    contract: ContractOut | None


def _card(c: pipeline.Card) -> CardOut:
    k = c.contract
    return CardOut(match=_out(c.view), last_move_at=c.last_move_at, stale=c.stale,
                   contract=ContractOut(id=k.id or 0, match_id=k.match_id, amount_wan=k.amount_wan,
                                        signed_on=k.signed_on, contract_type=k.contract_type,
                                        registration_no=k.registration_no) if k else None)


@router.post("/matches/{match_id}/move", response_model=CardOut, summary="推进撮合进展")
def move(session: SessionDep, settings: SettingsDep, today: TodayDep, user: StaffDep, match_id: RowId,
         body: Move) -> CardOut:
    """Move a match along the pipeline; 已签约 (contracted) needs the contract."""
    c = body.contract
    pipeline.move_match(session, match_id=match_id, to_status=body.to_status, actor_id=user.id, note=body.note,
                        contract=pipeline.ContractInput(c.amount_wan, c.signed_on, c.contract_type,
                                                        c.registration_no) if c else None, today=today)
    return _card(pipeline.card(session, match_id=match_id, stale_days=settings.stale_days))


@router.get("/pipeline", response_model=dict[str, list[CardOut]], summary="撮合看板")
def pipeline_board(session: SessionDep, settings: SettingsDep, user: StaffDep) -> dict[str, list[CardOut]]:
    """Pipeline matches by status, with stale flags."""
    b = pipeline.board(session, stale_days=settings.stale_days)
    return {s: [_card(c) for c in cards] for s, cards in b.columns.items()}


@router.get("/feedback/approval-stats", summary="各类别审核采纳率")
def approval_stats(session: SessionDep, user: StaffDep) -> list[dict[str, Any]]:
    """Per category: engine proposals approved and rejected by staff."""
    return [{"category": s.category, "proposed": s.proposed, "approved": s.approved, "rejected": s.rejected,
             "approval_rate": s.approval_rate, "reject_reasons": dict(s.reject_reasons)}
            for s in feedback.approval_stats(session)]


@router.get("/portraits/{org_id}", summary="企业画像")
def portrait(session: SessionDep, today: TodayDep, user: StaffDep, org_id: RowId) -> dict[str, Any]:
    """An organisation's portrait: innovation score (with formula), credit, qualifications, history."""
    p = portraits.get_portrait(session, org_id=org_id, today=today)
    o = p.org
    return {
        "id": o.id, "name": o.name, "kind": o.kind, "credit_code": o.credit_code,
        "rd_intensity": str(p.rd_intensity) if p.rd_intensity is not None else None,
        "invention_patents": o.invention_patents, "total_patents": o.total_patents,
        "innovation_score": {"total": str(p.score.total), "formula": p.score.formula,
                             "parts": [{"label": x.label, "basis": x.basis, "points": str(x.points),
                                        "max_points": x.max_points} for x in p.score.parts]},
        "credit": {"standing": o.credit_standing, "source": o.credit_source,
                   "date": o.credit_date.isoformat() if o.credit_date else None},
        "qualifications": [{"kind": q.kind, "year_granted": q.year_granted,
                            "expires_on": q.expires_on.isoformat() if q.expires_on else None}
                           for q in p.qualifications],
        "related_parties": [{"org_id": r.org.id, "name": r.org.name, "relation": r.relation} for r in p.related],
        "needs": [{"id": n.id, "title": n.title, "status": n.status} for n in p.needs],
        "matches": [{"id": v.match.id, "status": v.match.status} for v in p.matches],
        "contracts": [{"id": r.contract.id, "amount_wan": str(r.contract.amount_wan),
                       "signed_on": r.contract.signed_on.isoformat(), "contract_type": r.contract.contract_type}
                      for r in p.contracts],
    }


@router.get("/audit", summary="审计日志")
def audit(session: SessionDep, settings: SettingsDep, user: StaffDep,
          action: SearchText = None,
          actor: SearchText = None, date_from: DateFilter = None,
          date_to: DateFilter = None, page: PageNumber = 1) -> dict[str, Any]:
    """Audit entries, newest first, filtered."""
    p = list_audit(session, tz=settings.tz, action=action, actor=actor, date_from=date_from, date_to=date_to, page=page)
    return {"total": p.total, "page": p.page, "per_page": p.per_page,
            "items": [{"id": r.entry.id, "at": r.entry.created_at.isoformat(), "actor": r.actor_name,
                       "action": r.entry.action, "object_type": r.entry.object_type,
                       "object_id": r.entry.object_id, "detail": r.entry.detail,
                       "row_hash": r.entry.row_hash} for r in p.items]}


@router.get("/audit/verify", summary="审计日志完整性校验")
def audit_verify(session: SessionDep, user: StaffDep) -> dict[str, Any]:
    """Verify the audit log's hash chain: ok, or each entry found edited, inserted or deleted."""
    r = verify_chain(session)
    return {"ok": r.ok, "summary": r.summary(), "rows": r.rows, "last_id": r.last_id,
            "last_hash": r.last_hash, "erased": r.erased, "problems": r.problems,
            "more_problems": r.more_problems, "checked_at": r.checked_at.isoformat()}

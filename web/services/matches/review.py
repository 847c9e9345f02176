"""The staff review queue: proposals above the threshold, and the decisions on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, or_

from models import Match, MatchEvent, Need
from models.match import MATCH_STATUS_LABELS, MatchStatus
from web.services import audit, dictionaries
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.matches.staff_views import (
    StaffMatchView,
    either_name_like,
    load_staff_views,
    staff_count,
    staff_select,
    staff_view,
)
from web.services.notifications import Grouped, Target, notify_grouped
from web.services.paging import Page

# Reason codes for a rejection (驳回原因); the code is stored in Match.reject_code.
ALREADY_DECIDED = "该匹配已被其他专员处理"
NOTE_MAX = 500


@dataclass(frozen=True)
class QueueFilters:
    threshold: float = 0.15
    category: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    min_age_days: int | None = None  # waiting at least this many days
    max_age_days: int | None = None  # proposed within the last N days
    org: str | None = None  # part of either organisation's name

    @property
    def reads_postings(self) -> bool:
        """Whether a filter reads the postings or organisations (the rest read the match alone)."""
        return bool(self.category or self.org)


def _queue_where(stmt: Any, filters: QueueFilters, now: datetime) -> Any:
    # A condition on the postings or organisations must be named in reads_postings too.
    stmt = stmt.where(Match.status == MatchStatus.proposed)
    stmt = stmt.where(or_(col(Match.score) >= filters.threshold, Match.source == "manual"))
    if filters.category:
        stmt = stmt.where(Need.category == filters.category)
    if filters.min_score is not None:
        stmt = stmt.where(col(Match.score) >= filters.min_score)
    if filters.max_score is not None:
        stmt = stmt.where(col(Match.score) <= filters.max_score)
    if filters.min_age_days is not None:
        stmt = stmt.where(col(Match.created_at) <= now - timedelta(days=filters.min_age_days))
    if filters.max_age_days is not None:
        stmt = stmt.where(col(Match.created_at) >= now - timedelta(days=filters.max_age_days))
    if filters.org:
        stmt = stmt.where(either_name_like(filters.org))
    return stmt


def list_queue(session: Session, *, filters: QueueFilters, page: int = 1,
               per_page: int = 20) -> Page:
    """Proposed matches at or above the threshold, best first, filtered."""
    now = datetime.now(UTC)
    page = max(1, page)
    total = session.exec(_queue_where(staff_count(joined=filters.reads_postings), filters, now)).one()
    stmt = _queue_where(staff_select(), filters, now).order_by(
        col(Match.score).desc(), col(Match.id)).offset((page - 1) * per_page).limit(per_page)
    return Page(load_staff_views(session, stmt), total, page, per_page)


def all_queue(session: Session, *, filters: QueueFilters) -> list[StaffMatchView]:
    """The whole filtered queue (for export), best first."""
    stmt = _queue_where(staff_select(), filters, datetime.now(UTC)).order_by(
        col(Match.score).desc(), col(Match.id))
    return load_staff_views(session, stmt)


# ---- decisions ---------------------------------------------------------------------------


def clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"说明不能超过 {NOTE_MAX} 字", field="note")
    return note


def check_reason(session: Session, reason_code: str | None, note: str) -> str:
    """Validate a rejection reason code against the active 字典管理 reasons (and the note
    that 其他 requires)."""
    if not reason_code or reason_code not in dict(dictionaries.options(session, "reject_reason")):
        raise ValidationFailed("请选择有效的驳回原因", field="reason_code")
    if reason_code == "other" and not note:
        raise ValidationFailed("驳回原因为“其他”时请填写说明", field="note")
    return reason_code


def decide(session: Session, *, match_id: int, actor_id: int, to_status: MatchStatus,
           reason_code: str | None = None, note: str = "",
           approved: dict[int, list[Grouped]] | None = None) -> bool:
    """Move one proposed match to approved/rejected; False if someone else decided it first.

    An approval tells both sides; a batch passes its own ``approved`` and tells each
    organisation once at the end (:func:`notify_approved`).

    The conditional UPDATE is the lock: on SQLite writers queue behind BEGIN IMMEDIATE, on
    PostgreSQL a second UPDATE waits for the first and then finds status no longer 'proposed'.
    """
    now = datetime.now(UTC)
    values: dict[str, Any] = dict(status=to_status, decided_by=actor_id, decided_at=now, updated_at=now)
    if to_status == MatchStatus.rejected:
        values.update(reject_code=reason_code, reject_note=note or None)
    result = session.exec(update(Match).where(col(Match.id) == match_id, col(Match.status) == MatchStatus.proposed)
                          .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[union-attr]
        return False
    reason_label = dictionaries.labels(session, "reject_reason").get(reason_code or "other", reason_code or "")
    session.add(MatchEvent(match_id=match_id, actor_id=actor_id, from_status=MatchStatus.proposed,
                           to_status=to_status, note=note if to_status == MatchStatus.approved
                           else f"{reason_label}{'：' + note if note else ''}"))
    detail: dict[str, Any] = {"from": MatchStatus.proposed.value, "to": to_status.value}
    if note:
        detail["note"] = note
    if reason_code:
        detail["reason_code"] = reason_code
        detail["reason"] = reason_label
    audit.record(session, actor_id=actor_id, action=f"match.{'approve' if to_status == MatchStatus.approved else 'reject'}",
                 object_type="match", object_id=match_id, detail=detail)
    if to_status == MatchStatus.approved:
        collect = approved if approved is not None else {}
        view = staff_view(session, match_id)
        label = f"「{view.need.title}」×「{view.offer.title}」"
        for org in (view.enterprise, view.provider):
            collect.setdefault(org.id or 0, []).append(Grouped(match_id, label))
        if approved is None:
            notify_approved(session, collect)
    return True


APPROVED_BODY = "双方名称与联系方式已互相公开，请尽快联系洽谈。"


def notify_approved(session: Session, approved: dict[int, list[Grouped]]) -> None:
    """One message per organisation for everything one decision approved (flushes only)."""
    for org_id, items in approved.items():
        notify_grouped(session, org_id=org_id, kind="approved", items=items,
                       one_title=f"匹配{items[0].label}已通过审核", many_title="{n} 条匹配已通过审核",
                       many_target=Target.match_list(status=MatchStatus.approved.value), body=APPROVED_BODY)


def _missing_or_conflict(session: Session, match_id: int) -> Exception:
    match = session.get(Match, match_id)
    if match is None:
        return NotFound("未找到该匹配")
    return Conflict(f"{ALREADY_DECIDED}（当前状态：{MATCH_STATUS_LABELS.get(match.status, match.status)}）")


def _decide_one(session: Session, *, match_id: int, actor_id: int, to_status: MatchStatus,
                reason_code: str | None = None, note: str = "") -> Match:
    """One decision as its own action: committed, or rolled back with the reason it failed."""
    if not decide(session, match_id=match_id, actor_id=actor_id, to_status=to_status,
                  reason_code=reason_code, note=note):
        err = _missing_or_conflict(session, match_id)
        session.rollback()
        raise err
    session.commit()
    match = session.get(Match, match_id)
    assert match is not None
    return match


def approve_match(session: Session, *, match_id: int, actor_id: int, note: str = "") -> Match:
    """Approve a proposed match: notify both sides, which reveals their contacts."""
    return _decide_one(session, match_id=match_id, actor_id=actor_id, to_status=MatchStatus.approved,
                       note=clean_note(note))


def reject_match(session: Session, *, match_id: int, actor_id: int, reason_code: str | None,
                 note: str = "") -> Match:
    """Reject a proposed match with a reason code; nobody is notified, the decision is kept."""
    note = clean_note(note)
    check_reason(session, reason_code, note)
    return _decide_one(session, match_id=match_id, actor_id=actor_id, to_status=MatchStatus.rejected,
                       reason_code=reason_code, note=note)


@dataclass
class BulkResult:
    done: list[int]
    skipped: list[int]


def bulk_decide(session: Session, *, match_ids: Sequence[int], actor_id: int, decision: str,
                reason_code: str | None = None, note: str = "") -> BulkResult:
    """Approve or reject several proposals at once; ones already decided are skipped."""
    if decision not in ("approve", "reject"):
        raise ValidationFailed("未知的批量操作", field="decision")
    ids = list(dict.fromkeys(int(i) for i in match_ids))
    if not ids:
        raise ValidationFailed("请先勾选要处理的匹配", field="match_ids")
    if len(ids) > 200:
        raise ValidationFailed("一次最多处理 200 条", field="match_ids")
    note = clean_note(note)
    if decision == "reject":
        check_reason(session, reason_code, note)
    result = BulkResult([], [])
    to_status = MatchStatus.approved if decision == "approve" else MatchStatus.rejected
    approved: dict[int, list[Grouped]] = {}
    for match_id in ids:
        ok = decide(session, match_id=match_id, actor_id=actor_id, to_status=to_status,
                    reason_code=reason_code if decision == "reject" else None, note=note, approved=approved)
        (result.done if ok else result.skipped).append(match_id)
    notify_approved(session, approved)
    session.commit()
    return result

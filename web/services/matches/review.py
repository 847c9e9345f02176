"""The staff review queue: proposals above the threshold, approve / reject, manual matches."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from models import Match, MatchEvent, Need, Offer, Organisation, RelatedParty
from models.match import MATCH_STATUS_LABELS
from web.services import audit, dictionaries
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.notifications import notify
from web.services.paging import Page

# Reason codes for a rejection (驳回原因); the code is stored in Match.reject_code.
ALREADY_DECIDED = "该匹配已被其他专员处理"
NOTE_MAX = 500


def utc(dt: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns: they are UTC."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Flag:
    code: str  # credit | conflict
    label: str


@dataclass
class MatchView:
    """A match with both postings, both organisations and its warning flags, ready to render."""

    match: Match
    need: Need
    offer: Offer
    enterprise: Organisation
    provider: Organisation
    flags: list[Flag] = field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        return [str(t[0]) for t in (self.match.reasons or {}).get("terms", []) if t]

    @property
    def signals(self) -> list[list[Any]]:
        return list((self.match.reasons or {}).get("signals", []))

    @property
    def age_days(self) -> int:
        created = utc(self.match.created_at) or datetime.now(UTC)
        return max(0, (datetime.now(UTC) - created).days)


@dataclass(frozen=True)
class QueueFilters:
    threshold: float = 0.15
    category: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    min_age_days: int | None = None  # waiting at least this many days
    max_age_days: int | None = None  # proposed within the last N days
    org: str | None = None  # part of either organisation's name


def highlight(text: str | None, terms: Iterable[str]) -> Markup:
    """Escape ``text`` and wrap each occurrence of a shared term in <mark>.

    Matching runs on the raw text and each piece is escaped on its own, so neither the
    text nor a term can inject markup, and a term never matches inside an HTML entity.
    """
    text = text or ""
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(str(escape(text[pos:m.start()])))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def related_pairs(session: Session, org_ids: Iterable[int]) -> set[frozenset[int]]:
    """Unordered pairs of related parties (关联方) among ``org_ids``, either direction."""
    ids = set(org_ids)
    if not ids:
        return set()
    rows = session.exec(select(RelatedParty.org_id, RelatedParty.related_org_id).where(
        col(RelatedParty.org_id).in_(ids), col(RelatedParty.related_org_id).in_(ids))).all()
    return {frozenset((a, b)) for a, b in rows}


def _flags(enterprise: Organisation, provider: Organisation, related: set[frozenset[int]]) -> list[Flag]:
    flags = []
    if provider.credit_standing == "bad":
        flags.append(Flag("credit", "信用风险：服务机构信用状况为失信/异常"))
    if frozenset((enterprise.id, provider.id)) in related:
        flags.append(Flag("conflict", "利益冲突：供需双方为关联方"))
    return flags


_EntOrg = aliased(Organisation, name="ent_org")
_ProvOrg = aliased(Organisation, name="prov_org")


def _view_select():  # type: ignore[no-untyped-def]
    return (select(Match, Need, Offer, _EntOrg, _ProvOrg)
            .join(Need, col(Need.id) == Match.need_id)
            .join(Offer, col(Offer.id) == Match.offer_id)
            .join(_EntOrg, _EntOrg.id == Need.org_id)
            .join(_ProvOrg, _ProvOrg.id == Offer.org_id))


def views_from_rows(session: Session, rows: Sequence[Any]) -> list[MatchView]:
    """Build MatchViews (with flags) from rows of _view_select()."""
    related = related_pairs(session, {r[3].id for r in rows} | {r[4].id for r in rows})
    return [MatchView(m, n, o, e, p, _flags(e, p, related)) for m, n, o, e, p in rows]


def load_views(session: Session, stmt: Any) -> list[MatchView]:
    return views_from_rows(session, session.exec(stmt).all())


def view_select():  # type: ignore[no-untyped-def]
    """select(Match, Need, Offer, enterprise Organisation, provider Organisation)."""
    return _view_select()


def enterprise_alias() -> Any:
    return _EntOrg


def provider_alias() -> Any:
    return _ProvOrg


def get_view(session: Session, match_id: int) -> MatchView:
    """One match with its postings and organisations; NotFound if missing."""
    views = load_views(session, _view_select().where(Match.id == match_id))
    if not views:
        raise NotFound("未找到该匹配")
    return views[0]


def _queue_where(stmt: Any, filters: QueueFilters, now: datetime) -> Any:
    stmt = stmt.where(Match.status == "proposed")
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
        like = f"%{filters.org.strip()}%"
        stmt = stmt.where(or_(col(_EntOrg.name).ilike(like), col(_ProvOrg.name).ilike(like)))
    return stmt


def list_queue(session: Session, *, filters: QueueFilters, page: int = 1,
               per_page: int = 20) -> Page:
    """Proposed matches at or above the threshold, best first, filtered."""
    now = datetime.now(UTC)
    page = max(1, page)
    count_stmt = _queue_where(
        select(func.count()).select_from(Match)
        .join(Need, col(Need.id) == Match.need_id).join(Offer, col(Offer.id) == Match.offer_id)
        .join(_EntOrg, _EntOrg.id == Need.org_id).join(_ProvOrg, _ProvOrg.id == Offer.org_id),
        filters, now)
    total = session.exec(count_stmt).one()
    stmt = _queue_where(_view_select(), filters, now).order_by(
        col(Match.score).desc(), col(Match.id)).offset((page - 1) * per_page).limit(per_page)
    return Page(load_views(session, stmt), total, page, per_page)


def all_queue(session: Session, *, filters: QueueFilters) -> list[MatchView]:
    """The whole filtered queue (for export), best first."""
    stmt = _queue_where(_view_select(), filters, datetime.now(UTC)).order_by(
        col(Match.score).desc(), col(Match.id))
    return load_views(session, stmt)


# ---- decisions ---------------------------------------------------------------------------


def _clean_note(note: str | None) -> str:
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


def _decide(session: Session, *, match_id: int, actor_id: int, to_status: str,
            reason_code: str | None = None, note: str = "") -> bool:
    """Move one proposed match to approved/rejected; False if someone else decided it first.

    The conditional UPDATE is the lock: on SQLite writers queue behind BEGIN IMMEDIATE, on
    PostgreSQL a second UPDATE waits for the first and then finds status no longer 'proposed'.
    """
    now = datetime.now(UTC)
    values: dict[str, Any] = dict(status=to_status, decided_by=actor_id, decided_at=now, updated_at=now)
    if to_status == "rejected":
        values.update(reject_code=reason_code, reject_note=note or None)
    result = session.exec(update(Match).where(col(Match.id) == match_id, col(Match.status) == "proposed")
                          .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[union-attr]
        return False
    reason_label = dictionaries.labels(session, "reject_reason").get(reason_code or "other", reason_code or "")
    session.add(MatchEvent(match_id=match_id, actor_id=actor_id, from_status="proposed",
                           to_status=to_status, note=note if to_status == "approved"
                           else f"{reason_label}{'：' + note if note else ''}"))
    detail: dict[str, Any] = {"from": "proposed", "to": to_status}
    if note:
        detail["note"] = note
    if reason_code:
        detail["reason_code"] = reason_code
        detail["reason"] = reason_label
    audit.record(session, actor_id=actor_id, action=f"match.{'approve' if to_status == 'approved' else 'reject'}",
                 object_type="match", object_id=match_id, detail=detail)
    if to_status == "approved":
        _notify_approved(session, match_id)
    return True


def _notify_approved(session: Session, match_id: int) -> None:
    view = get_view(session, match_id)
    body = f"需求“{view.need.title}”与服务“{view.offer.title}”的匹配已通过审核，双方联系方式已开放，请尽快联系洽谈。"
    key = f"approved:match:{match_id}"
    notify(session, org_id=view.enterprise.id, kind="approved", title="匹配已通过审核", body=body,
           link="/enterprise/matches", match_id=match_id, dedupe_key=key)
    notify(session, org_id=view.provider.id, kind="approved", title="匹配已通过审核", body=body,
           link="/provider/matches", match_id=match_id, dedupe_key=key)


def _missing_or_conflict(session: Session, match_id: int) -> Exception:
    match = session.get(Match, match_id)
    if match is None:
        return NotFound("未找到该匹配")
    return Conflict(f"{ALREADY_DECIDED}（当前状态：{MATCH_STATUS_LABELS.get(match.status, match.status)}）")


def approve_match(session: Session, *, match_id: int, actor_id: int, note: str = "") -> Match:
    """Approve a proposed match: notify both sides, which reveals their contacts."""
    note = _clean_note(note)
    if not _decide(session, match_id=match_id, actor_id=actor_id, to_status="approved", note=note):
        err = _missing_or_conflict(session, match_id)
        session.rollback()
        raise err
    session.commit()
    match = session.get(Match, match_id)
    assert match is not None
    return match


def reject_match(session: Session, *, match_id: int, actor_id: int, reason_code: str | None,
                 note: str = "") -> Match:
    """Reject a proposed match with a reason code; nobody is notified, the decision is kept."""
    note = _clean_note(note)
    check_reason(session, reason_code, note)
    if not _decide(session, match_id=match_id, actor_id=actor_id, to_status="rejected",
                   reason_code=reason_code, note=note):
        err = _missing_or_conflict(session, match_id)
        session.rollback()
        raise err
    session.commit()
    match = session.get(Match, match_id)
    assert match is not None
    return match


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
    note = _clean_note(note)
    if decision == "reject":
        check_reason(session, reason_code, note)
    result = BulkResult([], [])
    to_status = "approved" if decision == "approve" else "rejected"
    for match_id in ids:
        ok = _decide(session, match_id=match_id, actor_id=actor_id, to_status=to_status,
                     reason_code=reason_code if decision == "reject" else None, note=note)
        (result.done if ok else result.skipped).append(match_id)
    session.commit()
    return result


# ---- manual matches ----------------------------------------------------------------------


def _shared_terms(need: Need, offer: Offer, limit: int = 8) -> list[str]:
    need_tokens = [t for t in (need.tokens or "").split() if len(t) > 1]
    offer_set = {t for t in (offer.tokens or "").split() if len(t) > 1}
    return list(dict.fromkeys(t for t in need_tokens if t in offer_set))[:limit]


def create_manual_match(session: Session, *, need_id: int, offer_id: int, actor_id: int,
                        note: str = "", approve: bool = True) -> Match:
    """Staff pair any need with any offer by hand (source "manual"); approved at once by default."""
    note = _clean_note(note)
    need, offer = session.get(Need, need_id), session.get(Offer, offer_id)
    if need is None:
        raise NotFound("未找到该需求", field="need_id")
    if offer is None:
        raise NotFound("未找到该服务", field="offer_id")
    if need.status == "draft" or offer.status == "draft":
        raise ValidationFailed("草稿状态的需求或服务不能撮合", field="need_id")
    existing = session.exec(select(Match).where(Match.need_id == need_id, Match.offer_id == offer_id)).first()
    if existing is not None:
        label = MATCH_STATUS_LABELS.get(existing.status, existing.status)
        raise Conflict(f"该需求与服务已有匹配记录（编号 {existing.id}，状态：{label}）")
    terms = _shared_terms(need, offer)
    need_set, offer_set = set((need.tokens or "").split()), set((offer.tokens or "").split())
    union = need_set | offer_set
    score = round(len(need_set & offer_set) / len(union), 4) if union else 0.0
    match = Match(need_id=need_id, offer_id=offer_id, score=score, text_score=score, source="manual",
                  reasons={"terms": [[t, 1.0] for t in terms],
                           "signals": [["manual", "服务专员手动撮合", 0.0]]},
                  updated_at=datetime.now(UTC))
    session.add(match)
    session.flush()
    assert match.id is not None
    session.add(MatchEvent(match_id=match.id, actor_id=actor_id, from_status=None, to_status="proposed",
                           note=note or "服务专员手动撮合"))
    audit.record(session, actor_id=actor_id, action="match.create_manual", object_type="match",
                 object_id=match.id, detail={"need_id": need_id, "offer_id": offer_id, "note": note})
    if approve:
        _decide(session, match_id=match.id, actor_id=actor_id, to_status="approved", note=note)
    session.commit()
    session.refresh(match)
    return match


def search_postings(session: Session, *, kind: str, q: str | None, limit: int = 15) -> list[tuple[Any, Organisation]]:
    """Needs or offers (not drafts) whose title or organisation matches ``q``, newest first."""
    model: Any = Need if kind == "need" else Offer
    stmt = (select(model, Organisation).join(Organisation, col(Organisation.id) == model.org_id)
            .where(model.status != "draft"))
    if q and q.strip():
        text = q.strip()
        like = f"%{text}%"
        conds = [col(model.title).ilike(like), col(Organisation.name).ilike(like)]
        if text.isdigit():
            conds.append(model.id == int(text))
        stmt = stmt.where(or_(*conds))
    rows = session.exec(stmt.order_by(col(model.created_at).desc(), col(model.id).desc()).limit(limit)).all()
    return [(p, o) for p, o in rows]

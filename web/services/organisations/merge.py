"""Staff merge two records of the same organisation, or deactivate one, losing nothing: the
old row stays (marked), so matches, contracts and audit entries that point at it still resolve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import Match, Need, Notification, Offer, Organisation, Qualification, RelatedParty, User
from models.organisation import PROVIDER_KINDS
from web.services import audit
from web.services.accounts import sessions
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.matching import proposals
from web.services.postings.side import SIDES

NOTE_MAX = 500


@dataclass(frozen=True)
class MergeResult:
    target: Organisation
    moved: dict[str, int]


def _get(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("未找到该机构")
    return org


def _note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写原因", field="note")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"原因不能超过{NOTE_MAX}个字", field="note")
    return note


def _same_side(a: Organisation, b: Organisation) -> bool:
    return (a.kind == "enterprise") == (b.kind == "enterprise") and (
        a.kind == "enterprise" or (a.kind in PROVIDER_KINDS and b.kind in PROVIDER_KINDS))


def merge(session: Session, *, actor_id: int, source_id: int, target_id: int, note: str) -> MergeResult:
    """Move everything of ``source`` (postings with their matches and contracts, users,
    qualifications, notifications, related parties) to ``target``; ``source`` is kept,
    deactivated and marked as merged. Commits."""
    note = _note(note)
    if source_id == target_id:
        raise ValidationFailed("不能把机构合并到它自己", field="target_id")
    source, target = _get(session, source_id), _get(session, target_id)
    if source.merged_into_id is not None:
        raise Conflict("该机构已合并到其他机构")
    if target.deactivated_at is not None:
        raise Conflict("目标机构已停用或已被合并，请选择有效的机构")
    if not _same_side(source, target):
        raise ValidationFailed("只能合并同为企业、或同为服务机构的两条记录", field="target_id")
    now = datetime.now(UTC)
    moved: dict[str, int] = {}
    # Postings move (with a fresh updated_at, so every worker's index picks up the new owner);
    # their matches and contracts follow them, as those refer to the postings.
    for name, model in (("needs", Need), ("offers", Offer)):
        result = session.exec(update(model).where(col(model.org_id) == source_id)  # type: ignore[call-overload]
                              .values(org_id=target_id, updated_at=now).execution_options(synchronize_session=False))
        moved[name] = result.rowcount
    for owner in (Match.need_org_id, Match.offer_org_id):  # the matches' copies of the owners
        session.exec(update(Match).where(col(owner) == source_id)  # type: ignore[call-overload]
                     .values({owner: target_id}).execution_options(synchronize_session=False))
    result = session.exec(update(User).where(col(User.org_id) == source_id)  # type: ignore[call-overload]
                          .values(org_id=target_id, is_org_admin=False).execution_options(synchronize_session=False))
    moved["users"] = result.rowcount
    held = {(q.kind, q.year_granted) for q in session.exec(select(Qualification).where(Qualification.org_id == target_id))}
    moved["qualifications"] = 0
    for q in session.exec(select(Qualification).where(Qualification.org_id == source_id)).all():
        if (q.kind, q.year_granted) in held:
            continue  # the same qualification recorded twice: the target's row already says it
        q.org_id = target_id
        session.add(q)
        moved["qualifications"] += 1
    result = session.exec(update(Notification).where(col(Notification.org_id) == source_id)  # type: ignore[call-overload]
                          .values(org_id=target_id).execution_options(synchronize_session=False))
    moved["notifications"] = result.rowcount
    moved["related_parties"] = _move_related(session, source_id, target_id)
    source.merged_into_id = target_id
    source.deactivated_at = now
    source.deactivation_note = f"已合并到“{target.name}”：{note}"[:NOTE_MAX]
    session.add(source)
    audit.record(session, actor_id=actor_id, action="organisation.merge", object_type="organisation",
                 object_id=source_id, detail={"into": target_id, "note": note, **moved})
    audit.record(session, actor_id=actor_id, action="organisation.merge", object_type="organisation",
                 object_id=target_id, detail={"from": source_id, "note": note, **moved})
    session.commit()
    return MergeResult(target, moved)


def merge_into_credit_code(session: Session, *, actor_id: int, source_id: int, target_credit_code: str,
                           note: str) -> MergeResult:
    """:func:`merge` into the organisation registered under ``target_credit_code`` (统一社会信用代码)."""
    code = (target_credit_code or "").strip().upper()[:18]
    target = session.exec(select(Organisation).where(Organisation.credit_code == code)).first() if code else None
    if target is None or target.id is None:
        raise ValidationFailed("未找到该统一社会信用代码对应的机构", field="target_credit_code")
    return merge(session, actor_id=actor_id, source_id=source_id, target_id=target.id, note=note)


def _move_related(session: Session, source_id: int, target_id: int) -> int:
    rows = session.exec(select(RelatedParty).where(
        (col(RelatedParty.org_id) == source_id) | (col(RelatedParty.related_org_id) == source_id))).all()
    existing = {(r.org_id, r.related_org_id) for r in session.exec(select(RelatedParty).where(
        (col(RelatedParty.org_id) == target_id) | (col(RelatedParty.related_org_id) == target_id))).all()}
    moved = 0
    for r in rows:
        pair = (target_id if r.org_id == source_id else r.org_id,
                target_id if r.related_org_id == source_id else r.related_org_id)
        if pair[0] == pair[1] or pair in existing:
            session.delete(r)  # a relation with itself, or one the target already records
            continue
        r.org_id, r.related_org_id = pair
        existing.add(pair)
        session.add(r)
        moved += 1
    session.flush()
    return moved


def deactivate(session: Session, *, actor_id: int, org_id: int, note: str) -> int:
    """Stop an organisation's activity: its users cannot log in, its open postings close (their
    pending proposals withdrawn); nothing is deleted. Commits; returns how many postings closed."""
    note = _note(note)
    org = _get(session, org_id)
    if org.deactivated_at is not None:
        raise Conflict("该机构已停用")
    now = datetime.now(UTC)
    closed = 0
    for side in SIDES.values():
        for row in session.exec(select(side.model).where(side.model.org_id == org_id,
                                                         side.model.status == side.statuses.open)).all():
            row.status, row.updated_at = side.closed_status, now
            session.add(row)
            proposals.withdraw_proposals(session, None, side, posting_id=row.id, actor_id=actor_id,
                                         note="机构已停用，推荐撤回")
            closed += 1
    for user in session.exec(select(User).where(User.org_id == org_id, col(User.is_active).is_(True))).all():
        user.is_active = False
        session.add(user)
        sessions.end_user_sessions(session, user_id=user.id)
    org.deactivated_at, org.deactivation_note = now, note
    session.add(org)
    audit.record(session, actor_id=actor_id, action="organisation.deactivate", object_type="organisation",
                 object_id=org_id, detail={"note": note, "closed_postings": closed})
    session.commit()
    return closed


def reactivate(session: Session, *, actor_id: int, org_id: int) -> Organisation:
    """Undo a deactivation (not a merge): the organisation's users may log in again. Commits."""
    org = _get(session, org_id)
    if org.merged_into_id is not None:
        raise Conflict("已合并的机构不能恢复，请使用合并后的机构")
    if org.deactivated_at is None:
        return org
    org.deactivated_at, org.deactivation_note = None, ""
    session.add(org)
    session.exec(update(User).where(col(User.org_id) == org_id)  # type: ignore[call-overload]
                 .values(is_active=True).execution_options(synchronize_session=False))
    audit.record(session, actor_id=actor_id, action="organisation.reactivate", object_type="organisation",
                 object_id=org_id)
    session.commit()
    return org

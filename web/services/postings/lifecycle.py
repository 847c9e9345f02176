"""Needs (需求) and offers (服务/成果): post, save as draft, edit, publish, close, reopen.

A write is acknowledged once the posting is stored: the same transaction appends a
change to the feed (:mod:`web.services.matching.feed`), and matching it, storing its
proposals and notifying both sides follow within seconds in the background
(:mod:`web.services.matching.background`). A draft (草稿) is private to its
organisation: it is never put in the match index, so it is never recommended to the
other side and never matched until it is published."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from models import Organisation
from web.presentation.times import default_today
from web.services import audit, dictionaries
from web.services.errors import InvalidTransition, NotFound
from web.services.matching import feed, proposals
from web.services.matching.index import IndexHolder, stamp_tokens
from web.services.postings.form import validate
from web.services.postings.listing import get_own
from web.services.postings.side import Side


def _commit_change(session: Session, holder: IndexHolder | None, side: Side, row: Any,
                   kind: str) -> None:
    """Append the feed change, commit the write, then have it matched (background or now).

    Matching is started once the transaction has really committed: a keyed API write
    (web.security.idempotency) holds its commit back until its answer is stored, and
    matching before that would wait on the write lock the request itself holds."""
    seq = feed.record(session, side=side.name, posting_id=row.id, kind=kind)
    if holder is not None:
        event.listen(session, "after_commit", lambda _: holder.written(seq), once=True)
    session.commit()


def create(session: Session, holder: IndexHolder, side: Side, *, org_id: int, actor_id: int,
           values: dict[str, Any], draft: bool = False,
           with_posting: Callable[[Any], None] | None = None, today: date | None = None) -> Any:
    """Post a need or offer (stored, then matched and pushed) or save it as a draft. Commits.

    ``with_posting(row)`` writes what belongs with the new posting (it has its id by then)
    in the same transaction: both are stored, or neither."""
    clean = validate(side, values, categories={code for code, _ in dictionaries.options(session, "category")},
                     today=today)
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("未找到该机构")
    row = side.model(org_id=org_id, created_by=actor_id, status=side.statuses.draft if draft else side.statuses.open,
                     updated_at=datetime.now(UTC), **clean)
    stamp_tokens(row)
    session.add(row)
    session.flush()
    # A draft is private to its organisation, staff included: its audit row names no content.
    audit.record(session, actor_id=actor_id, action=f"{side.name}.{'draft' if draft else 'create'}",
                 object_type=side.name, object_id=row.id, detail={} if draft else {"title": clean["title"]})
    if with_posting is not None:
        with_posting(row)
    if draft:
        session.commit()
    else:
        _commit_change(session, holder, side, row, "create")
    return row


def edit(session: Session, holder: IndexHolder, side: Side, *, posting_id: int, org_id: int,
         actor_id: int, values: dict[str, Any], today: date | None = None) -> Any:
    """Change an open posting (proposals refreshed) or a draft (stays private). Commits."""
    row = get_own(session, side, posting_id=posting_id, org_id=org_id)
    if row.status not in (side.statuses.open, side.statuses.draft):
        raise InvalidTransition(f"该{side.label}已关闭，不能再修改")
    # A category retired since the posting was written stays valid on it, not on new ones.
    categories = {code for code, _ in dictionaries.options(session, "category")} | {row.category}
    clean = validate(side, values, categories=categories, today=today)
    for key, value in clean.items():
        setattr(row, key, value)
    stamp_tokens(row)
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action=f"{side.name}.update", object_type=side.name,
                 object_id=row.id, detail={} if row.status == side.statuses.draft else {"title": clean["title"]})
    if row.status == side.statuses.open:
        _commit_change(session, holder, side, row, "edit")
    else:
        session.commit()
    return row


def close(session: Session, holder: IndexHolder | None, side: Side, *, posting_id: int,
          org_id: int, actor_id: int) -> Any:
    """Close a need (or withdraw an offer): it leaves the index, its proposals are withdrawn."""
    row = get_own(session, side, posting_id=posting_id, org_id=org_id)
    if row.status == side.closed_status:
        raise InvalidTransition(f"该{side.label}已经关闭")
    if row.status == side.statuses.draft:
        raise InvalidTransition(f"该{side.label}是草稿，尚未发布，无需关闭")
    row.status = side.closed_status
    row.updated_at = datetime.now(UTC)
    session.add(row)
    withdrawn = proposals.withdraw_proposals(session, holder, side, posting_id=posting_id, actor_id=actor_id,
                                             note=f"{side.label}已{side.close_verb}，推荐撤回")
    audit.record(session, actor_id=actor_id, action=f"{side.name}.close", object_type=side.name,
                 object_id=row.id, detail={"withdrawn": withdrawn})
    _commit_change(session, holder, side, row, "close")
    return row


def _open_again(session: Session, holder: IndexHolder, side: Side, row: Any, *,
                actor_id: int, action: str, today: date | None) -> Any:
    if row.deadline is not None and row.deadline < (today or default_today()):
        raise InvalidTransition(f"该{side.label}的截止日期已过，请先修改截止日期")
    row.status = side.statuses.open
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action=f"{side.name}.{action}", object_type=side.name,
                 object_id=row.id, detail={"title": row.title})
    _commit_change(session, holder, side, row, action)
    return row


def publish(session: Session, holder: IndexHolder, side: Side, *, posting_id: int, org_id: int,
            actor_id: int, today: date | None = None) -> Any:
    """Publish a draft: it is matched and pushed, as a new posting is. Commits."""
    row = get_own(session, side, posting_id=posting_id, org_id=org_id)
    if row.status != side.statuses.draft:
        raise InvalidTransition(f"该{side.label}不是草稿，无需发布")
    return _open_again(session, holder, side, row, actor_id=actor_id, action="publish", today=today)


def reopen(session: Session, holder: IndexHolder, side: Side, *, posting_id: int, org_id: int,
           actor_id: int, today: date | None = None) -> Any:
    """Reopen a closed need or withdrawn offer before its deadline; it is matched again.

    Proposals withdrawn at closing come back as proposed if they still reach the
    threshold; the other side is not told again about a pair it already heard of. Commits.
    """
    row = get_own(session, side, posting_id=posting_id, org_id=org_id)
    if row.status != side.closed_status:
        raise InvalidTransition(f"该{side.label}未关闭，无需重新开放")
    return _open_again(session, holder, side, row, actor_id=actor_id, action="reopen", today=today)

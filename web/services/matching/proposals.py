"""The push (推送): storing the proposals a posting's match yields.

Background matching (:mod:`web.services.matching.background`) matches each written
posting against the open postings of the other side; pairs at or above the threshold
become ``proposed`` matches here and the other side's organisation is told once per pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from matcher import Match as EngineMatch
from matcher import Posting, tokenizer_version
from models import Match, MatchEvent
from models.match import ENGINE_OWNED, MatchStatus
from web.services import notifications
from web.services.matching import feed
from web.services.matching.index import IndexHolder, MatchPolicy, stamp_tokens
from web.services.notifications import Target
from web.services.postings.side import NEED, OFFER, Side


def reasons_of(m: EngineMatch) -> dict[str, Any]:
    """The reasons JSON stored on a Match row."""
    return {"terms": [[t, round(float(c), 4)] for t, c in m.terms],
            "signals": [[code, label, round(float(d), 4)] for code, label, d in m.signals]}


def _event(session: Session, match: Match, to: MatchStatus, note: str, actor_id: int | None) -> None:
    session.add(MatchEvent(match_id=match.id or 0, actor_id=actor_id, from_status=match.status,
                           to_status=to, note=note))
    match.status = to
    match.updated_at = datetime.now(UTC)
    session.add(match)


def _notify_new(session: Session, match: Match, *, told: Side, org_id: int, title: str) -> None:
    """Tell the organisation that owns the ``told`` side's posting of a new pair."""
    if told is OFFER:  # a need was posted: tell the provider about a fitting need
        title = f"您的服务「{title}」有新的匹配需求"
    else:
        title = f"您的需求「{title}」有新的推荐服务"
    notifications.notify(
        session, org_id=org_id, kind="recommendation", title=title,
        body="平台根据内容相似度、服务类别与信用等为您推荐，对方资料在服务专员审核通过前匿名显示。",
        target=Target(told.name, told.own_posting_id(match)), match_id=match.id,
        dedupe_key=f"recommend:need:{match.need_id}:offer:{match.offer_id}",
    )


def store_proposals(
    session: Session, side: Side, *, posting_id: int, found: Iterable[EngineMatch],
    threshold: float, actor_id: int | None = None, refresh: bool = True, notify_both: bool = False,
    revived_note: str = "内容更新后重新推荐",
) -> int:
    """Turn engine matches of one posting into proposed Match rows; returns new proposals.

    With ``refresh``, engine-owned proposals of this posting that no longer reach the
    threshold are withdrawn. The other side is always notified; with ``notify_both``
    (a batch rematch, where nobody is looking at the page) the posting's own
    organisation is told too. Flushes only.
    """
    other = side.other
    own = session.get(side.model, posting_id) if notify_both else None
    kept = {other.posting_id(getattr(m, f"{other.name}_id")): m for m in found if m.score >= threshold}
    existing = {other.own_posting_id(m): m
                for m in session.exec(select(Match).where(side.match_column() == posting_id)).all()}
    others = {i: (o, t) for i, o, t in session.exec(
        select(other.model.id, other.model.org_id, other.model.title)
        .where(col(other.model.id).in_(list(kept)))).all()
    } if kept else {}
    created = 0
    now = datetime.now(UTC)
    for other_id, m in kept.items():
        row = existing.get(other_id)
        if other_id not in others:
            continue
        if row is None:
            ids = {side.match_key: posting_id, other.match_key: other_id}
            row = Match(**ids, score=_clip(m.score), text_score=_clip(m.text_score),
                        reasons=reasons_of(m), status=MatchStatus.proposed, updated_at=now)
            session.add(row)
            session.flush()
            session.add(MatchEvent(match_id=row.id or 0, actor_id=actor_id, from_status=None,
                                   to_status=MatchStatus.proposed, note="系统自动推荐"))
            created += 1
        elif row.status in ENGINE_OWNED:
            row.score, row.text_score, row.reasons = _clip(m.score), _clip(m.text_score), reasons_of(m)
            row.updated_at = now
            session.add(row)
            if row.status == MatchStatus.withdrawn:
                _event(session, row, MatchStatus.proposed, revived_note, actor_id)
                created += 1
        else:
            continue
        org_id, title = others[other_id]
        _notify_new(session, row, told=other, org_id=org_id, title=title)
        if own is not None:
            _notify_new(session, row, told=side, org_id=own.org_id, title=own.title)
    if refresh:
        for other_id, row in existing.items():
            if other_id not in kept and row.status == MatchStatus.proposed and row.source == "engine":
                _event(session, row, MatchStatus.withdrawn, "内容修改后不再达到推荐阈值", actor_id)
    session.flush()
    return created


def _clip(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def withdraw_proposals(session: Session, holder: IndexHolder | None, side: Side, *,
                       posting_id: int, actor_id: int | None, note: str) -> int:
    """A posting was closed: remove it from the index and withdraw its open proposals."""
    if holder is not None:
        holder.put(side, Posting(id=side.key(posting_id), is_open=False, tokens=()))
    rows = session.exec(select(Match).where(side.match_column() == posting_id,
                                            Match.status == MatchStatus.proposed)).all()
    for row in rows:
        _event(session, row, MatchStatus.withdrawn, note, actor_id)
    session.flush()
    return len(rows)


def rebuild_proposals(session: Session, *, policy: MatchPolicy | None = None) -> int:
    """Fit on all open postings and propose for every open need; returns new proposals.

    First segments again the tokens that are missing (rows written by a script) or were
    made by another tokenizer version, so the fit never mixes two segmentations. Commits.
    """
    policy = policy or MatchPolicy()
    current = tokenizer_version()
    for side in (NEED, OFFER):
        Model = side.model
        stale = select(Model).where((Model.tokens == "") | (Model.tokens_version != current))
        for row in session.exec(stale).all():
            stamp_tokens(row)
            row.updated_at = datetime.now(UTC)
            session.add(row)
            session.flush()
            # Running workers' indexes pick the tokens up; the rematch below proposes.
            feed.record(session, side=side.name, posting_id=row.id, kind="tokens")
    session.flush()
    holder = IndexHolder.from_session(session)
    created = 0
    for need_key, found in holder.index.rematch(top=policy.top):
        created += store_proposals(session, NEED, posting_id=NEED.posting_id(need_key), found=found,
                                   threshold=policy.threshold, refresh=False, notify_both=True)
    session.commit()
    return created

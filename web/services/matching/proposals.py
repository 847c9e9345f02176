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
from matcher import Posting
from models import Match, MatchEvent, Need, Offer
from web.services import notifications
from web.services.matching import feed
from web.services.matching.index import (
    IndexHolder,
    MatchSettings,
    join_tokens,
    need_key,
    need_posting,
    offer_key,
    offer_posting,
)

__all__ = ["IndexHolder", "join_tokens", "need_key", "need_posting", "offer_key", "offer_posting",
           "rebuild_proposals", "store_proposals", "withdraw_proposals"]

DEFAULT_THRESHOLD: float = MatchSettings.threshold
DEFAULT_TOP: int = MatchSettings.top
# Statuses an engine refresh may touch; anything later belongs to staff and the parties.
ENGINE_OWNED = frozenset({"proposed", "withdrawn"})


# ---------------------------------------------------------------- proposals
def reasons_of(m: EngineMatch) -> dict[str, Any]:
    """The reasons JSON stored on a Match row."""
    return {"terms": [[t, round(float(c), 4)] for t, c in m.terms],
            "signals": [[code, label, round(float(d), 4)] for code, label, d in m.signals]}


def _event(session: Session, match: Match, to: str, note: str, actor_id: int | None) -> None:
    session.add(MatchEvent(match_id=match.id or 0, actor_id=actor_id, from_status=match.status,
                           to_status=to, note=note))
    match.status = to
    match.updated_at = datetime.now(UTC)
    session.add(match)


def _notify_new(session: Session, match: Match, *, side: str, other_org_id: int,
                other_title: str) -> None:
    if side == "need":  # a need was posted: tell the provider about a fitting need
        title = f"您的服务「{other_title}」有新的匹配需求"
        link = f"/provider/offers/{match.offer_id}"
    else:
        title = f"您的需求「{other_title}」有新的推荐服务"
        link = f"/enterprise/needs/{match.need_id}"
    notifications.notify(
        session, org_id=other_org_id, kind="recommendation", title=title,
        body="平台根据内容相似度、服务类别与信用等为您推荐，对方资料在服务专员审核通过前匿名显示。",
        link=link, match_id=match.id, dedupe_key=f"recommend:need:{match.need_id}:offer:{match.offer_id}",
    )


def store_proposals(
    session: Session, *, side: str, posting_id: int, found: Iterable[EngineMatch],
    threshold: float, actor_id: int | None = None, refresh: bool = True, notify_both: bool = False,
    revived_note: str = "内容更新后重新推荐",
) -> int:
    """Turn engine matches of one posting into proposed Match rows; returns new proposals.

    With ``refresh``, engine-owned proposals of this posting that no longer reach the
    threshold are withdrawn. The other side is always notified; with ``notify_both``
    (a batch rematch, where nobody is looking at the page) the posting's own
    organisation is told too. Flushes only.
    """
    Own = Need if side == "need" else Offer
    own = session.get(Own, posting_id) if notify_both else None
    kept = {int((m.offer_id if side == "need" else m.need_id)[1:]): m
            for m in found if m.score >= threshold}
    own_col = Match.need_id if side == "need" else Match.offer_id
    other_attr = "offer_id" if side == "need" else "need_id"
    existing = {getattr(m, other_attr): m
                for m in session.exec(select(Match).where(own_col == posting_id)).all()}
    Other = Offer if side == "need" else Need
    others = {i: (o, t) for i, o, t in session.exec(
        select(Other.id, Other.org_id, Other.title).where(col(Other.id).in_(list(kept)))).all()
    } if kept else {}
    created = 0
    now = datetime.now(UTC)
    for other_id, m in kept.items():
        row = existing.get(other_id)
        if other_id not in others:
            continue
        if row is None:
            ids = {"need_id": posting_id, "offer_id": other_id} if side == "need" else \
                  {"need_id": other_id, "offer_id": posting_id}
            row = Match(**ids, score=_clip(m.score), text_score=_clip(m.text_score),
                        reasons=reasons_of(m), status="proposed", updated_at=now)
            session.add(row)
            session.flush()
            session.add(MatchEvent(match_id=row.id or 0, actor_id=actor_id, from_status=None,
                                   to_status="proposed", note="系统自动推荐"))
            created += 1
        elif row.status in ENGINE_OWNED:
            row.score, row.text_score, row.reasons = _clip(m.score), _clip(m.text_score), reasons_of(m)
            row.updated_at = now
            session.add(row)
            if row.status == "withdrawn":
                _event(session, row, "proposed", revived_note, actor_id)
                created += 1
        else:
            continue
        org_id, title = others[other_id]
        _notify_new(session, row, side=side, other_org_id=org_id, other_title=title)
        if own is not None:
            mirror = "offer" if side == "need" else "need"
            _notify_new(session, row, side=mirror, other_org_id=own.org_id, other_title=own.title)
    if refresh:
        for other_id, row in existing.items():
            if other_id not in kept and row.status == "proposed" and row.source == "engine":
                _event(session, row, "withdrawn", "内容修改后不再达到推荐阈值", actor_id)
    session.flush()
    return created


def _clip(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def withdraw_proposals(session: Session, holder: IndexHolder | None, *, side: str,
                       posting_id: int, actor_id: int | None, note: str) -> int:
    """A posting was closed: remove it from the index and withdraw its open proposals."""
    if holder is not None:
        holder.put(side, Posting(id=need_key(posting_id) if side == "need" else offer_key(posting_id),
                                 is_open=False, tokens=()))
    own_col = Match.need_id if side == "need" else Match.offer_id
    rows = session.exec(select(Match).where(own_col == posting_id, Match.status == "proposed")).all()
    for row in rows:
        _event(session, row, "withdrawn", note, actor_id)
    session.flush()
    return len(rows)


def rebuild_proposals(session: Session, *, threshold: float = DEFAULT_THRESHOLD,
                      top: int = DEFAULT_TOP) -> int:
    """Fit on all open postings and propose for every open need; returns new proposals.

    Fills in tokens that were never stored (e.g. rows written by a script). Commits.
    """
    for side, Model in (("need", Need), ("offer", Offer)):
        for row in session.exec(select(Model).where(Model.tokens == "")).all():
            row.tokens = join_tokens(row.title, row.description)
            row.updated_at = datetime.now(UTC)
            session.add(row)
            session.flush()
            # Running workers' indexes pick the tokens up; the rematch below proposes.
            feed.record(session, side=side, posting_id=row.id, kind="tokens")
    session.flush()
    holder = IndexHolder.from_session(session)
    created = 0
    for need_id, found in holder.index.rematch(top=top):
        created += store_proposals(session, side="need", posting_id=int(need_id[1:]), found=found,
                                   threshold=threshold, refresh=False, notify_both=True)
    session.commit()
    return created


"""The push (推送): matching a posting at once and storing the proposals it yields.

A write to a need or offer goes into this worker's index (:mod:`web.services.matching.index`)
and is matched at once against the open postings of the other side; pairs at or above
the threshold become ``proposed`` matches and the other side's organisation is told
once per pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from matcher import Match as EngineMatch
from matcher import Posting
from models import Match, MatchEvent, Need, Offer
from web.services import notifications
from web.services.matching.index import (
    IndexHolder,
    join_tokens,
    need_key,
    need_posting,
    offer_key,
    offer_posting,
)
from web.settings import Settings

__all__ = ["IndexHolder", "join_tokens", "need_key", "need_posting", "offer_key", "offer_posting",
           "propose", "rebuild_proposals", "store_proposals", "withdraw_proposals"]

_DEFAULTS = Settings.model_fields
DEFAULT_THRESHOLD: float = _DEFAULTS["match_threshold"].default
DEFAULT_TOP: int = _DEFAULTS["match_top_k"].default
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


RECOMMEND_BODY = "平台根据内容相似度、服务类别与信用等为您推荐，对方资料在服务专员审核通过前匿名显示。"


@dataclass
class Announcements:
    """New proposals of one event (a posting, or a whole rematch), by the organisation to tell.

    ``send`` writes one message per organisation, so one event never floods an inbox."""

    # (role of the recipient, organisation id) ->
    #     (match id, the recipient's posting title, the other posting's title, the other posting's id)
    by_org: dict[tuple[str, int], list[tuple[int, str, str, int]]] = field(default_factory=dict)

    def add(self, *, role: str, org_id: int, match_id: int, own_title: str, other_title: str,
            other_id: int) -> None:
        self.by_org.setdefault((role, org_id), []).append((match_id, own_title, other_title, other_id))

    def send(self, session: Session) -> int:
        for (role, org_id), rows in self.by_org.items():
            mine, theirs = ("服务", "需求") if role == "provider" else ("需求", "服务")
            one = f"新{theirs}「{rows[0][2]}」与您的{mine}「{rows[0][1]}」匹配"
            if len({other_id for *_, other_id in rows}) == 1:  # one new posting fits several of ours
                labels = [own for _, own, _, _ in rows]
                many = f"新{theirs}「{rows[0][2]}」与您的 {{n}} 项{mine}匹配"
                many_link = f"/{role}/matches?{urlencode({'q': rows[0][2][:50]})}"
            else:
                labels = [other for _, _, other, _ in rows]
                many, many_link = f"平台为您新推荐了 {{n}} 条{theirs}", f"/{role}/matches"
            items = [notifications.Grouped(mid, f"/{role}/matches/{mid}", f"「{label}」")
                     for (mid, *_), label in zip(rows, labels, strict=True)]
            notifications.notify_grouped(session, org_id=org_id, kind="recommendation", items=items,
                                         one_title=one, many_title=many, many_link=many_link, body=RECOMMEND_BODY)
        sent = len(self.by_org)
        self.by_org.clear()
        return sent


def store_proposals(
    session: Session, *, side: str, posting_id: int, found: Iterable[EngineMatch],
    threshold: float, actor_id: int | None = None, refresh: bool = True, notify_both: bool = False,
    revived_note: str = "内容更新后重新推荐", announcements: Announcements | None = None,
) -> int:
    """Turn engine matches of one posting into proposed Match rows; returns new proposals.

    With ``refresh``, engine-owned proposals of this posting that no longer reach the
    threshold are withdrawn. The other side hears of each new pair; with ``notify_both``
    (a batch rematch, where nobody is looking at the page) the posting's own
    organisation does too. What one posting causes goes out as one message per
    organisation; a batch passes its own ``announcements`` and sends them once at the end.
    Flushes only.
    """
    Own = Need if side == "need" else Offer
    own = session.get(Own, posting_id)
    outbox = announcements if announcements is not None else Announcements()
    other_role, own_role = ("provider", "enterprise") if side == "need" else ("enterprise", "provider")
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
        is_new = row is None
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
        if not is_new:
            continue  # a pair is announced once, when it is first proposed
        org_id, title = others[other_id]
        assert own is not None and row.id is not None
        outbox.add(role=other_role, org_id=org_id, match_id=row.id, own_title=title, other_title=own.title,
                   other_id=posting_id)
        if notify_both:
            outbox.add(role=own_role, org_id=own.org_id, match_id=row.id, own_title=own.title, other_title=title,
                       other_id=other_id)
    if refresh:
        for other_id, row in existing.items():
            if other_id not in kept and row.status == "proposed" and row.source == "engine":
                _event(session, row, "withdrawn", "内容修改后不再达到推荐阈值", actor_id)
    if announcements is None:
        outbox.send(session)
    session.flush()
    return created


def _clip(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def propose(
    session: Session, holder: IndexHolder, *, side: str, posting: Posting, posting_id: int,
    threshold: float = DEFAULT_THRESHOLD, top: int = DEFAULT_TOP, actor_id: int | None = None,
    revived_note: str = "内容更新后重新推荐",
) -> int:
    """Put a posting into the index, match it at once, store and push proposals (flushes).

    Proposals of this posting that were withdrawn come back as proposed when they reach
    the threshold again (``revived_note`` says why); the other side hears of a pair once.
    """
    holder.sync(session)
    holder.put(side, posting)
    if not posting.is_open:
        return 0
    found = holder.match(side, posting, max(top, 1))
    return store_proposals(session, side=side, posting_id=posting_id, found=found[:top],
                           threshold=threshold, actor_id=actor_id, revived_note=revived_note)


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
    for Model in (Need, Offer):
        for row in session.exec(select(Model).where(Model.tokens == "")).all():
            row.tokens = join_tokens(row.title, row.description)
            row.updated_at = datetime.now(UTC)  # running workers' indexes pick the tokens up
            session.add(row)
    session.flush()
    holder = IndexHolder.from_session(session)
    created = 0
    outbox = Announcements()  # the whole rematch is one event: one message per organisation
    for need_id, found in holder.index.rematch(top=top):
        created += store_proposals(session, side="need", posting_id=int(need_id[1:]), found=found,
                                   threshold=threshold, refresh=False, notify_both=True, announcements=outbox)
    outbox.send(session)
    session.commit()
    return created


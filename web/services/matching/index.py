"""This worker's match index (:class:`IndexHolder`) and how it stays the same as every other's.

Every worker starts from the newest index file that the refit job wrote
(:mod:`web.services.matching.index_files`), memory-mapped, and then applies the
postings changed since that file's feed position, in feed order
(:mod:`web.services.matching.feed`). All workers therefore hold the same vocabulary
and the same vectors, and give the same score for the same pair. A new index version
is built completely aside and swapped in with one assignment under the lock, so no
query ever sees a half-built index. The vocabulary is never refitted on a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from matcher import Match as EngineMatch
from matcher import MatchIndex, Posting, tokenize, tokenizer_version
from models import Need, Offer, Organisation
from models.posting import NeedStatus, OfferStatus
from web.services.matching import feed
from web.services.matching.ownership import Ownership
from web.services.postings.side import NEED, OFFER, Side

# Past this share of words unknown to the vocabulary, a posting asks for a refit.
UNKNOWN_SHARE = 0.2


@dataclass(frozen=True)
class MatchPolicy:
    """The platform's match settings: proposals at or above ``threshold`` enter the staff
    queue; at most ``top`` per posting. The app builds it from its Settings."""

    threshold: float = 0.15
    top: int = 10


def need_key(need_id: int) -> str:
    return NEED.key(need_id)


def offer_key(offer_id: int) -> str:
    return OFFER.key(offer_id)


def join_tokens(title: str, description: str) -> str:
    """Segment a posting once; the stored form is space-separated tokens."""
    return " ".join(tokenize(f"{title}\n{description}"))


def stamp_tokens(row: Need | Offer) -> None:
    """Segment a posting's text into its stored tokens, and record which segmentation made them."""
    row.tokens = join_tokens(row.title, row.description)
    row.tokens_version = tokenizer_version()


def _posting(key: str, tokens: str, category: str | None, region: str | None,
             credit: str | None = None, is_open: bool = True) -> Posting:
    return Posting(id=key, category=category, region=region, credit=credit, is_open=is_open,
                   tokens=tuple(tokens.split()))


def engine_posting(side: Side, row: Need | Offer, org: Organisation) -> Posting:
    """A posting as the engine sees it (drafts and closed ones are not open); an offer
    carries its provider's credit standing."""
    credit = org.credit_standing if side is OFFER else None
    return _posting(side.key(row.id or 0), row.tokens, row.category, org.region, credit=credit,
                    is_open=row.status == side.statuses.open)


@dataclass
class IndexHolder:
    """A worker's match index, its lock, and how far along the feed it is.

    ``feed_mark``: every change up to this seq is applied. ``need_mark``/``offer_mark``:
    the highest ids seen, which catch rows inserted outside the services (scripts).
    ``version``: the index file it started from (None: fitted here from the database).
    ``on_write``: what a committed write calls (a background thread's wake-up); without
    one, :meth:`written` matches the pending changes at once, in the caller's thread.
    """

    index: MatchIndex
    feed_mark: int = 0
    need_mark: int = 0
    offer_mark: int = 0
    version: int | None = None
    changes: int = 0  # postings applied since the index was fitted
    unknown_words: bool = False  # a posting brought words the vocabulary lacks
    policy: MatchPolicy = field(default_factory=MatchPolicy)
    index_dir: Path | None = None  # where a refit writes its file
    on_write: Callable[[], None] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    reranker: Any = None  # a reranking.ProposalReranker once the app has started
    ownership: Ownership = field(default_factory=Ownership)  # which feed batches this worker matches first

    # ------------------------------------------------------------ loading
    @classmethod
    def from_session(cls, session: Session) -> IndexHolder:
        """Fit an index on the open postings ``session`` sees now."""
        # The feed head is read first: a change landing during the load is applied
        # again by the next sync (applying is idempotent) rather than missed.
        mark = feed.head(session)
        needs, need_mark = _load_needs(session, after=0)
        offers, offer_mark = _load_offers(session, after=0)
        index = MatchIndex().fit(needs, offers)
        return cls(index=index, feed_mark=mark, need_mark=need_mark, offer_mark=offer_mark)

    def size(self) -> int:
        return len(self.index.needs_) + len(self.index.offers_)

    @property
    def refit_due(self) -> bool:
        """New words or many changes since the fit: time for the refit job."""
        return self.unknown_words or self.changes > max(500, self.size() // 10)

    # ------------------------------------------------------------ changes
    def sync(self, session: Session) -> int:
        """Apply the feed's changes after ``feed_mark`` and rows inserted by scripts."""
        changes = feed.changes_after(session, self.feed_mark)
        keys = {(c.side, c.posting_id) for c in changes}  # side names: "need" | "offer"
        postings = _load_by_id(session, keys)
        needs, need_mark = _load_needs(session, after=self.need_mark)
        offers, offer_mark = _load_offers(session, after=self.offer_mark)
        if not changes and not needs and not offers:
            return 0
        with self.lock:
            for c in changes:
                found = postings.get((c.side, c.posting_id))
                if found is not None:
                    self._apply(NEED if c.side == NEED.name else OFFER, found)
            for p in needs:
                self._apply(NEED, p)
            for p in offers:
                self._apply(OFFER, p)
            if changes:
                self.feed_mark = max(self.feed_mark, changes[-1].seq)
            self.need_mark = max(self.need_mark, need_mark)
            self.offer_mark = max(self.offer_mark, offer_mark)
        return len(changes) + len(needs) + len(offers)

    def written(self, seq: int | None = None) -> None:
        """A posting change (feed ``seq``) was committed: wake the background thread, or match
        it now (``on_write``, see :mod:`web.services.matching.worker`)."""
        if seq is not None:
            self.ownership.wrote(seq)
        if self.on_write is not None:
            self.on_write()

    def put(self, side: Side, posting: Posting) -> None:
        """Apply one posting now (this worker's own write; the feed brings it to the others)."""
        with self.lock:
            self._apply(side, posting)

    def _apply(self, side: Side, p: Posting) -> None:
        if p.is_open and p.tokens:
            vocab = self.index.vectorizer_.vocabulary_
            words = set(p.tokens)
            if sum(1 for t in words if t not in vocab) > UNKNOWN_SHARE * len(words):
                self.unknown_words = True
        if not p.is_open:
            self.index.remove(p.id)
        elif side is NEED:
            self.index.add_need(p)
        else:
            self.index.add_offer(p)
        self.changes += 1

    def swap(self, fresh: IndexHolder) -> None:
        """Take over a fully built holder's index and marks in one step."""
        with self.lock:
            self.index, self.version = fresh.index, fresh.version
            self.feed_mark, self.need_mark, self.offer_mark = fresh.feed_mark, fresh.need_mark, fresh.offer_mark
            self.changes, self.unknown_words = fresh.changes, fresh.unknown_words

    # ------------------------------------------------------------ queries
    def match(self, side: Side, posting: Posting, top: int) -> list[EngineMatch]:
        """Rank the other side's open postings for ``posting``."""
        with self.lock:
            if side is NEED:
                return self.index.match_need(posting, top=top)
            return self.index.match_offer(posting, top=top)


def _need_columns():  # type: ignore[no-untyped-def]
    return (select(Need.id, Need.tokens, Need.category, Need.status, Organisation.region)
            .join(Organisation, col(Organisation.id) == Need.org_id))


def _offer_columns():  # type: ignore[no-untyped-def]
    return (select(Offer.id, Offer.tokens, Offer.category, Offer.status, Organisation.region,
                   Organisation.credit_standing)
            .join(Organisation, col(Organisation.id) == Offer.org_id))


def _need_row(i: int, t: str, c: str, s: NeedStatus, r: str | None) -> Posting:
    return _posting(need_key(i), t, c, r, is_open=s == NeedStatus.open)


def _offer_row(i: int, t: str, c: str, s: OfferStatus, r: str | None, cr: str | None) -> Posting:
    return _posting(offer_key(i), t, c, r, credit=cr, is_open=s == OfferStatus.open)


def _load_needs(session: Session, *, after: int) -> tuple[list[Posting], int]:
    stmt = _need_columns().where(col(Need.id) > after, Need.status == NeedStatus.open).order_by(col(Need.id))
    rows = session.exec(stmt).all()
    mark = max((r[0] for r in rows), default=after)
    return [_need_row(*r) for r in rows], mark


def _load_offers(session: Session, *, after: int) -> tuple[list[Posting], int]:
    stmt = _offer_columns().where(col(Offer.id) > after, Offer.status == OfferStatus.open).order_by(col(Offer.id))
    rows = session.exec(stmt).all()
    mark = max((r[0] for r in rows), default=after)
    return [_offer_row(*r) for r in rows], mark


def _load_by_id(session: Session, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Posting]:
    """The current state of the given postings, any status."""
    out: dict[tuple[str, int], Posting] = {}
    need_ids = [i for side, i in keys if side == NEED.name]
    offer_ids = [i for side, i in keys if side == OFFER.name]
    if need_ids:
        for r in session.exec(_need_columns().where(col(Need.id).in_(need_ids))).all():
            out[(NEED.name, r[0])] = _need_row(*r)
    if offer_ids:
        for r in session.exec(_offer_columns().where(col(Offer.id).in_(offer_ids))).all():
            out[(OFFER.name, r[0])] = _offer_row(*r)
    return out

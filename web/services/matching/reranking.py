"""The active ranking model re-ranks a posting's proposals, after the request.

Scoring with the model reads every offer of the index (a BM25 table per run), which
costs too much for the request that posts a need. So :func:`propose` stores the
engine's proposals as before and, when a model is active, asks the worker's
:class:`ProposalReranker` to re-rank that posting once the request's transaction has
committed: a background thread re-scores the need's candidate pool with the model
and stores the result through the same path (threshold, withdrawals, notices).
With no active model nothing is scheduled and nothing changes.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from matcher.rerank import FeedbackRanker
from models import Match
from web.services.matching.index import IndexHolder, need_key
from web.services.matching.proposals import store_proposals
from web.services.matching.ranking_model import model_store
from web.services.postings.side import NEED, Side
from web.settings import Settings

log = logging.getLogger(__name__)


class ProposalReranker:
    """One per worker: the active model (reloaded when the active version changes)
    and a single background thread that re-ranks proposals."""

    def __init__(self, engine: Engine, holder: IndexHolder, settings: Settings) -> None:
        self.engine, self.holder = engine, holder
        self.store = model_store(settings)
        self._loaded: tuple[int, FeedbackRanker] | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zhengqi-rerank")
        self._pending: list[Future[int]] = []

    def active(self) -> FeedbackRanker | None:
        """The active model, or None (the plain engine)."""
        version = self.store.active_version()
        with self._lock:
            if version is None:
                self._loaded = None
            elif self._loaded is None or self._loaded[0] != version:
                self._loaded = (version, self.store.load(version))
            return self._loaded[1] if self._loaded else None

    def schedule(self, session: Session, side: Side, *, posting_id: int) -> None:
        """Re-rank this posting's proposals once ``session`` commits (if a model is active)."""
        if self.active() is None:
            return

        def submit(_: Session) -> None:
            # Finished ones are dropped here: a worker that nobody waits on keeps no history.
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._pool.submit(self._run, side, posting_id))

        event.listen(session, "after_commit", submit, once=True)

    def wait(self) -> int:
        """Block until the scheduled re-rankings are done (tests); returns how many were waited on."""
        done, self._pending = self._pending, []
        for f in done:
            f.result()
        return len(done)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _run(self, side: Side, posting_id: int) -> int:
        try:
            with Session(self.engine) as session:
                changed = self.rerank_posting(session, side, posting_id=posting_id)
                session.commit()
                return changed
        except Exception:  # noqa: BLE001  (the engine's proposals stay as they were)
            log.exception("re-ranking %s %s failed", side.name, posting_id)
            raise

    def rerank_posting(self, session: Session, side: Side, *, posting_id: int) -> int:
        """Re-rank with the active model the candidate pool of this need (or, for an
        offer, of each need it is proposed to); returns the needs re-ranked. Flushes."""
        model = self.active()
        if model is None:
            return 0
        if side is NEED:
            need_ids = [posting_id]
        else:
            need_ids = list(session.exec(select(Match.need_id).where(
                Match.offer_id == posting_id, Match.status == "proposed",
                Match.source == "engine").order_by(col(Match.need_id))).all())
        count = 0
        for need_id in need_ids:
            key = need_key(need_id)
            with self.holder.lock:
                index = self.holder.index
                posting = index.needs_.postings.get(key)
                if posting is None or not posting.is_open:
                    continue
                pool = index.match_need(posting, top=index.candidates)
                ranked = model.rank(index, top=self.holder.policy.top, pools={key: pool})[key]
            store_proposals(session, NEED, posting_id=need_id, found=ranked,
                            threshold=self.holder.policy.threshold,
                            revived_note="排序模型重新评分后推荐")
            count += 1
        return count

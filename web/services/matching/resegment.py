"""Re-segmenting stored postings after the tokenizer changed.

Each posting keeps the tokens its text was segmented into, and the
``matcher.tokenizer_version()`` that made them. A new jieba release or a changed domain
dictionary gives another version; tokens of two versions must not meet in one index (the
same words would be cut differently on either side). At startup a worker that finds
postings of another version re-segments them in a background thread, batch by batch,
never on a request (each row's change goes on the feed, so every worker applies it), then
publishes a refitted index version that every worker maps.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from matcher import tokenizer_version
from models import Need, Offer
from models.db import read_engine
from web.services.matching import feed, index_files
from web.services.matching.index import IndexHolder, stamp_tokens
from web.services.postings.side import NEED, OFFER

log = logging.getLogger(__name__)

BATCH = 200


def stale_count(session: Session) -> int:
    """How many postings hold tokens of another tokenizer version (or none at all)."""
    current = tokenizer_version()
    return sum(session.exec(select(func.count()).select_from(Model)
                            .where(col(Model.tokens_version) != current)).one() for Model in (Need, Offer))


def resegment_batch(session: Session, *, limit: int = BATCH) -> int:
    """Segment again up to ``limit`` postings of another version; returns how many. Commits."""
    current = tokenizer_version()
    done = 0
    for side in (NEED, OFFER):
        Model = side.model
        rows = session.exec(select(Model).where(col(Model.tokens_version) != current)
                            .order_by(col(Model.id)).limit(limit - done)).all()
        for row in rows:
            stamp_tokens(row)
            row.updated_at = datetime.now(UTC)
            session.add(row)
        session.flush()
        for row in rows:  # other workers' indexes pick the new tokens up
            feed.record(session, side=side.name, posting_id=row.id, kind="tokens")
        done += len(rows)
        if done >= limit:
            break
    session.commit()
    return done


def resegment_all(engine: Engine) -> int:
    """Re-segment every posting of another version, one committed batch at a time."""
    total = 0
    while True:
        with Session(engine) as session:
            done = resegment_batch(session)
        total += done
        if done == 0:
            return total


def resegment_in_background(engine: Engine, holder: IndexHolder) -> threading.Thread | None:
    """If any posting needs it, re-segment in a thread, then reload ``holder`` from the
    database so the index holds one segmentation only. Returns the thread (or None)."""
    with Session(read_engine(engine)) as session:
        if stale_count(session) == 0:
            return None

    def work() -> None:
        try:
            count = resegment_all(engine)
            holder.swap(index_files.open_version(engine, index_files.refit(engine, index_dir=holder.index_dir)))
            log.info("re-segmented %d postings with tokenizer %s", count, tokenizer_version())
        except Exception:  # noqa: BLE001  (the old index keeps serving; the next start retries)
            log.exception("re-segmenting stored postings failed")

    thread = threading.Thread(target=work, name="zhengqi-resegment", daemon=True)
    thread.start()
    return thread

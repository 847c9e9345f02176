"""Which worker matches a batch of the feed.

Every worker's background thread sees the same pending changes. Left alone, both would match
each batch and the one that did not move the cursor first would throw its work away (about
half of background matching's CPU). The worker that wrote a batch's first change matches it
at once; another leaves it to that worker for :data:`OWNER_GRACE_SECONDS` (it may be busy,
or dead) and then matches it itself. Changes written outside the workers (commands, imports)
have no owner: whoever looks after the grace takes them, as before. When more than a batch
waits, nothing is left to anyone (see ``match_pending``): in a burst of postings the faster of
two workers gives a higher matching rate than one worker per batch.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

OWNER_GRACE_SECONDS = 1.0


@dataclass
class Ownership:
    own: deque[int] = field(default_factory=lambda: deque(maxlen=1024))  # seqs this worker wrote
    _seen: tuple[int, float] | None = None  # (first seq of a batch left to another, since when)
    retry_in: float | None = None  # when a batch was left to another: look again after this

    def wrote(self, seq: int) -> None:
        self.own.append(seq)

    def leave_to_writer(self, seq: int, now: float) -> bool:
        """Whether to leave the batch starting at ``seq`` to the worker that wrote it, for now."""
        if seq in self.own:
            return False
        if self._seen is None or self._seen[0] != seq:
            self._seen = (seq, now)
        left = OWNER_GRACE_SECONDS - (now - self._seen[1])
        self.retry_in = left if left > 0 else None
        return left > 0

    def take_retry(self) -> float | None:
        retry, self.retry_in = self.retry_in, None
        return retry

"""One side of the index (needs or offers): postings, their vectors, and search.

Vectors live in a compacted *main* block (rows ``X`` and its transpose ``XT``,
kept both ways because a query reads columns and reasons read rows) plus a small
*delta* block of rows added since the last compaction. Adding is therefore
O(posting) and never refits; removing or closing only clears an ``alive`` flag.
The delta is folded into main when it grows past a share of main, which keeps
single-query latency flat.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

from matcher.features import take_rows
from matcher.types import Posting

__all__ = ["Side"]


class Side:
    """Postings of one side with their searchable vectors."""

    def __init__(self, n_features: int) -> None:
        self.n_features = n_features
        self.postings: dict[str, Posting] = {}  # insertion order = output order
        self.ids: list[str] = []  # row -> id, main block then delta rows
        self.row_of: dict[str, int] = {}
        self.alive = np.zeros(0, dtype=bool)
        self.cat = np.zeros(0, dtype=np.int32)
        self.region = np.zeros(0, dtype=np.int32)
        self.credit = np.zeros(0, dtype=np.float64)  # credit delta, read on offers
        self.X = sp.csr_matrix((0, n_features), dtype=np.float32)
        self.XT = sp.csr_matrix((n_features, 0), dtype=np.float32)
        self.n_main = 0
        self._delta_rows: list[sp.csr_matrix] = []
        self._delta: sp.csr_matrix | None = None
        # Derived from X/XT and alive; rebuilt on demand, never saved.
        self._alive_xt: tuple[tuple, sp.csr_matrix] | None = None
        self._id_ranks: tuple[sp.csr_matrix, np.ndarray] | None = None
        self._dead: np.ndarray | None = None  # rows not alive, for the single query

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_alive_xt"] = state["_id_ranks"] = state["_dead"] = None
        return state

    def __len__(self) -> int:
        return len(self.postings)

    def set_all(self, postings: list[Posting], X: sp.csr_matrix, cat, region, credit) -> None:
        """Replace everything with a freshly fitted block (rows aligned with postings)."""
        self.postings = {p.id: p for p in postings}
        self.ids = [p.id for p in postings]
        self.row_of = {pid: i for i, pid in enumerate(self.ids)}
        self.alive = np.array([p.is_open for p in postings], dtype=bool)
        self._dead = None
        self.cat = np.asarray(cat, dtype=np.int32)
        self.region = np.asarray(region, dtype=np.int32)
        self.credit = np.asarray(credit, dtype=np.float64)
        self.X = X
        self.XT = X.T.tocsr()
        self.n_main = X.shape[0]
        self._delta_rows, self._delta = [], None

    def add(self, p: Posting, row: sp.csr_matrix, cat: int, region: int, credit: float) -> None:
        """Add or replace a posting without refitting."""
        self.remove(p.id)
        self.postings[p.id] = p
        self.row_of[p.id] = len(self.ids)
        self.ids.append(p.id)
        self.alive = np.append(self.alive, p.is_open)
        self._dead = None
        self.cat = np.append(self.cat, np.int32(cat))
        self.region = np.append(self.region, np.int32(region))
        self.credit = np.append(self.credit, credit)
        self._delta_rows.append(row)
        self._delta = None
        if len(self._delta_rows) > max(256, self.n_main // 10):
            self.compact()

    def remove(self, pid: str) -> bool:
        """Forget a posting; returns whether it was there."""
        if pid not in self.postings:
            return False
        del self.postings[pid]
        self.alive[self.row_of.pop(pid)] = False
        self._dead = None
        return True

    def delta(self) -> sp.csr_matrix:
        if self._delta is None:
            if self._delta_rows:
                self._delta = sp.vstack(self._delta_rows, format="csr", dtype=np.float32)
            else:
                self._delta = sp.csr_matrix((0, self.n_features), dtype=np.float32)
        return self._delta

    def rows(self) -> sp.csr_matrix:
        """All rows (main then delta) as one matrix."""
        if not self._delta_rows:
            return self.X
        return sp.vstack([self.X, self.delta()], format="csr")

    def compact(self) -> None:
        """Fold the delta into main and drop forgotten rows (closed ones stay, not alive)."""
        keep = np.array([self.row_of.get(pid) == i for i, pid in enumerate(self.ids)], dtype=bool)
        X = self.rows()[keep]
        X.sort_indices()
        idx = np.flatnonzero(keep)
        self.ids = [self.ids[i] for i in idx]
        self.row_of = {pid: i for i, pid in enumerate(self.ids)}
        self.alive, self.cat = self.alive[idx], self.cat[idx]
        self._dead = None
        self.region, self.credit = self.region[idx], self.credit[idx]
        self.X, self.XT, self.n_main = X, X.T.tocsr(), X.shape[0]
        self._delta_rows, self._delta = [], None

    def gather(self, rows: np.ndarray) -> sp.csr_matrix:
        """The given rows (main or delta), in that order, without stacking the whole side."""
        rows = np.asarray(rows, dtype=np.int64)
        if not self._delta_rows or not len(rows) or rows.max() < self.n_main:
            return take_rows(self.X, rows)
        in_main = rows < self.n_main
        parts = sp.vstack([take_rows(self.X, rows[in_main]),
                           take_rows(self.delta(), rows[~in_main] - self.n_main)], format="csr")
        # Back to the order asked for: main rows came first, then delta rows.
        order = np.concatenate([np.flatnonzero(in_main), np.flatnonzero(~in_main)])
        back = np.empty(len(rows), dtype=np.int64)
        back[order] = np.arange(len(rows))
        return take_rows(parts, back)

    def cosines(self, q: sp.csr_matrix) -> np.ndarray:
        """Dense cosine of one query row against every row (1 x N, never N x M)."""
        out = np.zeros(len(self.ids), dtype=np.float64)
        if q.nnz:
            cols = q.indices
            # float64 weights: products of float32 values are exact, so main and
            # delta rows of identical postings score identically (id tie-break).
            weights = q.data.astype(np.float64)
            # Only the query's columns of XT are read: cost ~ sum of their df.
            sub = self.XT[cols]
            out[: self.n_main] = sub.T @ weights
            if self._delta_rows:
                out[self.n_main :] = self.delta()[:, cols] @ weights
        if self._dead is None:
            self._dead = np.flatnonzero(~self.alive)
        out[self._dead] = 0.0
        return out

    def alive_columns(self) -> sp.csr_matrix:
        """``XT`` with closed and removed postings zeroed out (cached until either changes)."""
        key = (id(self.XT), hash(self.alive.tobytes()))
        if self._alive_xt is not None and self._alive_xt[0] == key:
            return self._alive_xt[1]
        XT = self.XT
        if not self.alive.all():
            XT = (XT @ sp.diags(self.alive.astype(np.float32))).tocsr()
            XT.eliminate_zeros()
        self._alive_xt = (key, XT)
        return XT

    def id_ranks(self) -> np.ndarray:
        """Rank of each row's id in sorted id order, for a vectorised id tie-break
        (cached until the rows change)."""
        if (self._id_ranks is None or self._id_ranks[0] is not self.XT
                or len(self._id_ranks[1]) != len(self.ids)):
            order = sorted(range(len(self.ids)), key=self.ids.__getitem__)
            ranks = np.empty(len(order), dtype=np.int64)
            ranks[order] = np.arange(len(order))
            self._id_ranks = (self.XT, ranks)
        return self._id_ranks[1]

    def open_postings(self) -> Iterator[Posting]:
        for i, pid in enumerate(self.ids):
            if self.row_of.get(pid) == i and self.alive[i]:
                yield self.postings[pid]

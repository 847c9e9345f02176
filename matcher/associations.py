"""Term associations learned from decisions: which need words point to which offer words.

Staff who approve "外壳开裂" → "失效分析" and reject "外壳开裂" → "外观设计" teach
that the need word 开裂 goes with the offer word 失效分析 though the two share no
text. For need term t and offer term u, let A(t, u) sum ``q_t * o_u`` over the
decided pairs weighted by the label minus the base rate (the pairs' word rows,
TF-IDF, L2-normalised, words and concepts only: character pairs are everywhere).
A candidate pair (q, o) scores ``sum_tu q_t A(t, u) o_u``, which is the same as
``sum_d (q . q_d)(o . o_d)(y_d - base)``: decided pairs whose need reads like this
need and whose offer reads like this offer vote with their label. Its evidence,
the same sum without the label, is a second feature, and the score divided by it
plus a pseudo-count (a smoothed approval rate) a third.

Stored by term, not by column, so a model still reads a refitted index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matcher.decisions import Decision
from matcher.features import CHAR_PREFIX

__all__ = ["ASSOCIATION_FEATURES", "TermVectors", "Associations"]

ASSOCIATION_FEATURES = ("association", "association_rate", "association_evidence")
# Pseudo-count of the rate: evidence below about this much says little.
_STRENGTH = 0.5
_CHUNK = 2048


class TermVectors:
    """Word-and-concept rows of an index's postings, L2-normalised, by id."""

    def __init__(self, index) -> None:
        names = index.feature_names_
        self.index = index
        self.keep = np.array([not str(f).startswith(CHAR_PREFIX) for f in names])
        self.names = names

    def rows(self, side: str, ids: Sequence[str]) -> sp.csr_matrix:
        store = self.index.needs_ if side == "need" else self.index.offers_
        rows = store.rows()[[store.row_of[i] for i in ids]] if len(ids) else \
            sp.csr_matrix((0, len(self.names)))
        rows = sp.csr_matrix(rows, dtype=np.float64)
        rows = rows @ sp.diags(self.keep.astype(np.float64))
        norm = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
        norm[norm == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norm) @ rows)


class Associations:
    """The decided pairs' term rows, kept by term; :meth:`features` scores pairs."""

    def __init__(self, vectors: TermVectors, decisions: Sequence[Decision]) -> None:
        Q = vectors.rows("need", [d.need_id for d in decisions])
        O = vectors.rows("offer", [d.offer_id for d in decisions])
        used = np.flatnonzero(np.asarray((abs(Q).sum(axis=0) + abs(O).sum(axis=0))).ravel() > 0)
        self.terms = {str(vectors.names[j]): k for k, j in enumerate(used.tolist())}
        self.Q, self.O = Q[:, used].tocsc().T.tocsr(), O[:, used].tocsc().T.tocsr()
        labels = np.array([d.label for d in decisions], dtype=np.float64)
        weight = np.array([d.weight for d in decisions], dtype=np.float64)
        self.base = float(labels.mean()) if len(labels) else 0.0
        self.signed = (labels - self.base) * weight
        self.weight = weight

    def _columns(self, vectors: TermVectors) -> sp.csr_matrix:
        """The index's columns onto this model's terms (0/1)."""
        pick = [(j, self.terms.get(str(n))) for j, n in enumerate(vectors.names)]
        pick = [(j, k) for j, k in pick if k is not None]
        src = np.array([j for j, _ in pick], dtype=np.int64)
        dst = np.array([k for _, k in pick], dtype=np.int64)
        return sp.csr_matrix((np.ones(len(src)), (src, dst)),
                             shape=(len(vectors.names), len(self.terms)))

    def features(self, vectors: TermVectors, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Rows of :data:`ASSOCIATION_FEATURES` for ``(need_id, offer_id)`` pairs."""
        out = np.zeros((len(pairs), len(ASSOCIATION_FEATURES)))
        if not len(pairs) or not len(self.terms):
            return out
        M = self._columns(vectors)
        for s in range(0, len(pairs), _CHUNK):
            chunk = pairs[s : s + _CHUNK]
            sn = (vectors.rows("need", [n for n, _ in chunk]) @ M @ self.Q).toarray()
            so = (vectors.rows("offer", [o for _, o in chunk]) @ M @ self.O).toarray()
            k = sn * so
            score, evidence = k @ self.signed, k @ self.weight
            out[s : s + len(chunk)] = np.c_[score, score / (evidence + _STRENGTH),
                                            np.log1p(evidence)]
        return out

"""MatchIndex: TF-IDF over needs and offers, cosine top-k both ways, explained."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from matcher import signals as sg
from matcher.expand import CONCEPT_PREFIX, EXPANDED_MARK
from matcher.explain import explain
from matcher.features import CHAR_PREFIX, char_mask, make_vectorizer, tfidf_row, weighted_rows
from matcher.parallel import fork_available, rematch_block, rematch_in_processes
from matcher.store import Side
from matcher.text import tokenize, tokenize_many, tokenizer_version
from matcher.topk import candidate_pool
from matcher.types import Match, NotFittedError, Posting

__all__ = ["MatchIndex"]


class MatchIndex(BaseEstimator):
    """Rank offers for needs (and needs for offers) by TF-IDF cosine plus signals.

    Parameters
    ----------
    char_ngrams : tuple of int or None, default=(1, 2)
        Character n-grams over the tokens' CJK text, added beside the words.
    char_weight : float, default=1.5
        Weight of the character n-gram block relative to words (with
        ``block_norm``: of the block-normalised character block).
    concept_weight : float or None, default=2.5
        Weight of the domain dictionary's concept features (:mod:`matcher.expand`)
        relative to words; None or 0 leaves them out. Reasons from them are
        marked as expansions.
    sublinear_tf : bool, default=False
        ``1 + log(tf)``; measured slightly worse on the labelled set (raw tf lets a
        need's repeated key term weigh), slightly better on CSL.
    tf_k1 : float or None, default=None
        BM25-style saturation ``tf * (k1 + 1) / (tf + k1)`` before idf and L2, on
        both sides (``offer_tf_k1`` overrides it on the offer side). Need-side
        saturation made no measured difference (needs rarely repeat a term).
    offer_tf_k1 : float or None, default=8.0
        Saturation on the offer side only; BM25 is asymmetric (saturated
        document tf, plain query tf), cosine is not.
    need_idf_power : float, default=2.0
        idf exponent on the need side only (offers keep idf**1).
    block_norm : bool, default=True
        L2-normalise each row's word block and character block separately,
        then weigh them (``char_weight``) and L2-normalise the whole row.

        How these defaults were chosen, and what else was tried: the tuning
        log in README.md ("Tuning log").
    max_df : float, default=0.05
        Features in more than this share of postings (and in more than 200)
        are dropped: they barely discriminate, and they dominate the cost of
        the sparse products (a common character touches every row).
    min_df : int, default=1
    weights : SignalWeights or None
        Weights of the structured signals; None means :class:`SignalWeights()`.
    candidates : int, default=50
        Text top-k pool per query that signals then re-rank.
    n_terms : int, default=5
        Reason terms kept per match.
    n_jobs : int, default=1
        Processes for segmentation in ``fit`` and threads for the batch product.
    block_size : int, default=2000
        Needs per block in :meth:`rematch`; bounds memory, never a dense N x M.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
        Fitted on the tokens of needs and offers together.
    feature_names_ : ndarray of str
        Feature per column; character n-grams carry the ``~`` prefix.
    term_names_ : list of str
        Feature per column as shown in reasons (without the prefix).
    char_columns_ : ndarray of bool
        True for the character n-gram columns.
    col_weight_ : ndarray
        Per-feature block weight.
    weights_ : SignalWeights
    codes_ : CodeBook
        Small integer codes of the categories and regions seen.
    tokenizer_version_ : str
        :func:`matcher.tokenizer_version` at fit time; a saved index records it so
        that an index segmented another way is not mixed with new tokens.
    needs_, offers_ : Side
        Stored postings (with tokens) and their vectors.

    Examples
    --------
    >>> idx = MatchIndex().fit([Posting("n1", "专利质押融资")], [Posting("o1", "知识产权质押融资")])
    >>> idx.match_need(Posting("n2", "质押融资"))[0].offer_id
    'o1'
    """

    def __init__(
        self,
        *,
        char_ngrams: tuple[int, int] | None = (1, 2),
        char_weight: float = 1.5,
        concept_weight: float | None = 2.5,
        sublinear_tf: bool = False,
        tf_k1: float | None = None,
        offer_tf_k1: float | None = 8.0,
        need_idf_power: float = 2.0,
        block_norm: bool = True,
        max_df: float = 0.05,
        min_df: int = 1,
        weights: sg.SignalWeights | None = None,
        candidates: int = 50,
        n_terms: int = 5,
        n_jobs: int = 1,
        block_size: int = 2000,
    ) -> None:
        self.char_ngrams = char_ngrams
        self.char_weight = char_weight
        self.concept_weight = concept_weight
        self.sublinear_tf = sublinear_tf
        self.tf_k1 = tf_k1
        self.offer_tf_k1 = offer_tf_k1
        self.need_idf_power = need_idf_power
        self.block_norm = block_norm
        self.max_df = max_df
        self.min_df = min_df
        self.weights = weights
        self.candidates = candidates
        self.n_terms = n_terms
        self.n_jobs = n_jobs
        self.block_size = block_size

    # ------------------------------------------------------------------ fitting
    def fit(self, needs: Sequence[Posting], offers: Sequence[Posting]) -> MatchIndex:
        """Segment (once) and fit the vocabulary on needs and offers together."""
        needs, offers = self._with_tokens(needs), self._with_tokens(offers)
        for side, ps in (("needs", needs), ("offers", offers)):
            ids = [p.id for p in ps]
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate ids among {side}")
        docs = [p.tokens for p in needs] + [p.tokens for p in offers]
        max_df = self.max_df
        if isinstance(max_df, float) and max_df < 1.0:
            # A share of a small corpus would prune topical words (a few hundred
            # postings on one theme); below ~4,000 postings nothing is pruned.
            max_df = max(int(max_df * len(docs)), 200)
        vec = make_vectorizer(
            char_ngrams=tuple(self.char_ngrams) if self.char_ngrams else None,
            sublinear_tf=self.sublinear_tf, max_df=max_df, min_df=self.min_df,
            concepts=bool(self.concept_weight),
        )
        # An empty corpus vocabulary is legitimate (all postings empty); sklearn
        # refuses it, so seed with a placeholder document it can learn.
        corpus = docs if any(docs) else [("\x00",)] + docs
        try:
            raw = vec.fit_transform(corpus)
        except ValueError as exc:
            if "no terms remain" not in str(exc):
                raise
            # Every feature is in more than max_df postings (hundreds of near-identical
            # postings): prune nothing rather than refuse to fit.
            vec.set_params(max_df=1.0)
            raw = vec.fit_transform(corpus)
        if not any(docs):
            raw = raw[1:]
        self.vectorizer_ = vec
        self.feature_names_ = vec.get_feature_names_out()
        # A plain list: indexing it per reason term is hot.
        self.term_names_ = [_display_name(f) for f in self.feature_names_.tolist()]
        self.char_columns_ = char_mask(vec.vocabulary_)
        concept = np.array([f.startswith(CONCEPT_PREFIX) for f in self.feature_names_.tolist()],
                           dtype=bool)
        self.col_weight_ = np.where(self.char_columns_, self.char_weight,
                                    np.where(concept, self.concept_weight or 0.0, 1.0)
                                    ).astype(np.float32)
        self.weights_ = self.weights or sg.SignalWeights()
        self.codes_ = sg.CodeBook()
        self.tokenizer_version_ = tokenizer_version()
        n = len(needs)
        X = sp.vstack([self._weigh(raw[:n], "need"), self._weigh(raw[n:], "offer")]).tocsr()
        self.needs_ = Side(len(self.feature_names_))
        self.offers_ = Side(len(self.feature_names_))
        for side, ps, rows in ((self.needs_, needs, X[:n]), (self.offers_, offers, X[n:])):
            side.set_all(
                list(ps), rows.tocsr(),
                [self.codes_.category(p.category) for p in ps],
                [self.codes_.region(p.region) for p in ps],
                [sg.credit_delta(p.credit, self.weights_) for p in ps],
            )
        return self

    def refit(self) -> MatchIndex:
        """Refit the vocabulary on everything stored; reuses stored tokens, no segmentation."""
        self._check()
        return self.fit(list(self.needs_.postings.values()), list(self.offers_.postings.values()))

    def _with_tokens(self, postings: Sequence[Posting]) -> list[Posting]:
        todo = [i for i, p in enumerate(postings) if p.tokens is None]
        if not todo:
            return list(postings)
        toks = tokenize_many([postings[i].text for i in todo], n_jobs=self.n_jobs)
        out = list(postings)
        for i, t in zip(todo, toks, strict=True):
            out[i] = dataclasses.replace(out[i], tokens=t)
        return out

    def _check(self) -> None:
        if not hasattr(self, "vectorizer_"):
            raise NotFittedError(
                "This MatchIndex is not fitted yet: call fit(needs, offers) or MatchIndex.load()."
            )

    def transform(self, postings: Sequence[Posting], *, side: str = "need") -> sp.csr_matrix:
        """Vectorise postings with the fitted vocabulary (unknown terms are ignored),
        weighted as needs (``side="need"``) or as offers (``side="offer"``)."""
        self._check()
        docs = [p.tokens if p.tokens is not None else tuple(tokenize(p.text)) for p in postings]
        if len(docs) == 1:  # a single query: skip the vectorizer's per-call validation
            vec = self.vectorizer_
            raw = tfidf_row(vec.analyzer(docs[0]), vec.vocabulary_, vec.idf_,
                            sublinear_tf=vec.sublinear_tf, n_features=len(self.term_names_))
            return self._weigh(raw, side)
        return self._weigh(self.vectorizer_.transform(docs), side)

    def _weigh(self, raw: sp.csr_matrix, side: str) -> sp.csr_matrix:
        if side not in ("need", "offer"):
            raise ValueError(f"side must be 'need' or 'offer', not {side!r}")
        k1 = self.tf_k1
        power = 1.0
        if side == "need":
            power = self.need_idf_power
        elif self.offer_tf_k1 is not None:
            k1 = self.offer_tf_k1
        return weighted_rows(raw, self.col_weight_, idf=self.vectorizer_.idf_, k1=k1,
                             idf_power=power,
                             is_char=self.char_columns_ if self.block_norm else None)

    # -------------------------------------------------------------- incremental
    def add_need(self, need: Posting) -> MatchIndex:
        """Add (or replace, by id) a need without refitting."""
        return self._add(self.needs_, need)

    def add_offer(self, offer: Posting) -> MatchIndex:
        """Add (or replace, by id) an offer without refitting."""
        return self._add(self.offers_, offer)

    def _add(self, side: Side, p: Posting) -> MatchIndex:
        self._check()
        if p.tokens is None:
            p = dataclasses.replace(p, tokens=tuple(tokenize(p.text)))
        side.add(
            p, self.transform([p], side="need" if side is self.needs_ else "offer"),
            self.codes_.category(p.category),
            self.codes_.region(p.region), sg.credit_delta(p.credit, self.weights_),
        )
        return self

    def remove(self, posting_id: str) -> bool:
        """Remove a need or offer by id; returns whether anything was removed."""
        self._check()
        a = self.needs_.remove(posting_id)
        b = self.offers_.remove(posting_id)
        return a or b

    # ------------------------------------------------------------------ queries
    def match_need(self, need: Posting, top: int = 10) -> list[Match]:
        """Rank open offers for a need (in the index or new; never refits)."""
        return self._match_one(need, top, need_side=True)

    def match_offer(self, offer: Posting, top: int = 10) -> list[Match]:
        """Rank open needs for an offer."""
        return self._match_one(offer, top, need_side=False)

    def _match_one(self, p: Posting, top: int, *, need_side: bool) -> list[Match]:
        self._check()
        target = self.offers_ if need_side else self.needs_
        q = self.transform([p], side="need" if need_side else "offer")
        cos = target.cosines(q)
        # Everything tied with the last candidate is kept, so that the id tie-break below
        # sees all equals, not an arbitrary subset.
        pool = candidate_pool(cos, self.candidates)
        cat, reg = self.codes_.category(p.category), self.codes_.region(p.region)
        cat_delta = self.category_deltas()
        scale = sg.pool_scale(cos[pool], np.zeros(len(pool), dtype=np.int64), 1, self.weights_)
        if need_side:
            est = sg.score_pairs(cos[pool], np.full(len(pool), cat), target.cat[pool],
                                 np.full(len(pool), reg), target.region[pool],
                                 target.credit[pool], cat_delta, self.weights_, scale)
        else:
            credit = sg.credit_delta(p.credit, self.weights_)
            est = sg.score_pairs(cos[pool], target.cat[pool], np.full(len(pool), cat),
                                 target.region[pool], np.full(len(pool), reg),
                                 np.full(len(pool), credit), cat_delta, self.weights_, scale)
        ids = [target.ids[i] for i in pool]
        order = sorted(range(len(pool)), key=lambda k: (-est[k], ids[k]))[: max(top, 0)]
        rows = pool[order]
        matches = self._explain(q, np.zeros(len(rows), dtype=np.int64), [p] * len(rows),
                                target, rows, need_side, scale=scale[order])
        return sorted(matches, key=_match_key(need_side))

    def rematch(
        self, top: int = 10, *, n_jobs: int | None = None, block_size: int | None = None,
        explain: bool = True,
    ) -> Iterator[tuple[str, list[Match]]]:
        """Yield ``(need_id, matches)`` for every open need, in stored order, block by block.

        With ``explain=False`` matches carry scores and signals but no reason
        terms (``terms == ()``), which skips the per-pair reason work; the text
        score is then the candidate product's cosine (float32 accuracy).
        """
        self._check()
        needs, offers = self.needs_, self.offers_
        needs.compact()
        offers.compact()
        open_rows = np.flatnonzero(needs.alive)
        bs = block_size or self.block_size
        n_jobs = n_jobs or self.n_jobs
        if n_jobs > 1 and len(open_rows) > bs and fork_available():
            yield from rematch_in_processes(self, open_rows, bs, top, explain, n_jobs)
            return
        for start in range(0, len(open_rows), bs):
            yield from rematch_block(self, open_rows[start : start + bs], top, explain, n_jobs)

    # ------------------------------------------------------------------ reasons
    def category_deltas(self) -> np.ndarray:
        """Category signal per (need category code, offer category code), cached until
        a new category is seen."""
        key = (len(self.codes_.categories), id(self.weights_))
        cached = getattr(self, "_category_deltas", None)
        if cached is None or cached[0] != key:
            cached = self._category_deltas = (key, self.codes_.category_table(self.weights_)[0])
        return cached[1]

    def __getstate__(self) -> dict:
        # A copy: object.__getstate__ hands back the live __dict__.
        state = dict(super().__getstate__())
        state.pop("_category_deltas", None)  # derived, rebuilt on first use
        return state

    def _explain(self, Q, qi, queries, target: Side, rows, need_side: bool,
                 terms: bool = True, scale: np.ndarray | None = None) -> list[Match]:
        """Exact text score, reason terms and signals (see :mod:`matcher.explain`)."""
        return explain(Q, qi, queries, target, rows, need_side, names=self.term_names_,
                       is_char=self.char_columns_, n_terms=self.n_terms, w=self.weights_,
                       terms=terms, scale=scale)

    # -------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> None:
        """Write the fitted index to a versioned file (see :mod:`matcher.persist`)."""
        from matcher.persist import save_index

        self._check()
        save_index(self, Path(path))

    @classmethod
    def load(cls, path: str | Path, *, resegment: bool = False) -> MatchIndex:
        """Read an index written by :meth:`save`.

        Another format or library version raises IndexVersionError; so does an index
        segmented by another tokenizer, unless ``resegment`` (then its postings are
        segmented again and the index refitted).
        """
        from matcher.persist import load_index

        return load_index(Path(path), resegment=resegment)


def _display_name(feature: str) -> str:
    """A feature as a reason shows it: character n-grams without their prefix,
    concepts marked as expansions (no posting need contain the word)."""
    if feature.startswith(CHAR_PREFIX):
        return feature[len(CHAR_PREFIX):]
    if feature.startswith(CONCEPT_PREFIX):
        return feature[len(CONCEPT_PREFIX):] + EXPANDED_MARK
    return feature


def _match_key(need_side: bool):
    if need_side:
        return lambda m: (-m.score, m.offer_id)
    return lambda m: (-m.score, m.need_id)

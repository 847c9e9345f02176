"""Text pipeline: normalise, segment and filter Chinese posting text.

``tokenize(text)`` is the one entry point the rest of the engine and the
platform use: NFKC (full-width -> half-width), lower-case Latin, traditional ->
simplified (zhconv), jieba precise-mode segmentation with the shipped domain
dictionary, and the shipped stop-word list. Latin/digit runs stay whole
(``5G`` -> ``5g``, ``ISO9001`` -> ``iso9001``); ``3D打印`` is a dictionary entry
and comes out as the single token ``3d打印``.

The jieba state is per process: workers of :func:`tokenize_many` each load the
dictionary once in their initialiser, because jieba's globals do not cross a
process boundary.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources

import jieba
import zhconv

__all__ = ["normalize", "tokenize", "tokenize_many", "domain_terms", "stop_words"]

# A token made only of digits, punctuation or symbols carries no topic
# ("2021", "100", "——"); a token with at least one letter or CJK char does.
_MEANINGFUL = re.compile(r"[a-z\u3400-\u9fff]")
# Collapse runs of whitespace so that jieba never yields them as tokens.
_SPACES = re.compile(r"\s+")


def _read_lines(name: str) -> list[str]:
    text = resources.files("matcher.dictionary").joinpath(name).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@lru_cache(maxsize=1)
def domain_terms() -> tuple[str, ...]:
    """Return the shipped domain dictionary (normalised, de-duplicated, in file order)."""
    seen: dict[str, None] = {}
    for line in _read_lines("domain_dict.txt"):
        seen[normalize(line.split()[0])] = None
    return tuple(seen)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Return the shipped stop-word list (normalised)."""
    return frozenset(normalize(w) for w in _read_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def _load_zhconv() -> None:
    # zhconv's own lazy loader leaves its JSON file open (a ResourceWarning);
    # loading it by explicit path takes zhconv's `with open(...)` branch.
    zhconv.loaddict(os.path.join(os.path.dirname(zhconv.__file__), "zhcdict.json"))


def normalize(text: str) -> str:
    """NFKC, traditional -> simplified, lower-case, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    # zhconv converts phrase-aware (專利 -> 专利); it runs before lower() since
    # its tables are case-sensitive only for CJK and case is irrelevant there.
    _load_zhconv()
    text = zhconv.convert(text, "zh-cn")
    return _SPACES.sub(" ", text.lower()).strip()


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    seg = jieba.Tokenizer()
    seg.initialize()
    for term in domain_terms():
        # A frequency that jieba itself suggests keeps the term whole without
        # forcing it over longer dictionary words that contain it.
        seg.add_word(term, freq=max(seg.suggest_freq(term, tune=False), 10))
    return seg


def tokenize(text: str) -> list[str]:
    """Split posting text into normalised, filtered tokens.

    Examples
    --------
    >>> tokenize("我公司需要知识产权质押融资服务")
    ['知识产权质押融资']
    """
    text = normalize(text)
    if not text:
        return []
    stops = stop_words()
    # HMM discovers unknown words (new product names); char n-gram features
    # downstream cover the cases where it splits differently in two postings.
    return [
        tok
        for tok in (t.strip() for t in _segmenter().cut(text, HMM=True))
        if tok and tok not in stops and _MEANINGFUL.search(tok)
    ]


def _init_worker() -> None:
    _segmenter()


def _tokenize_chunk(texts: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(tokenize(t)) for t in texts]


def tokenize_many(
    texts: Iterable[str], *, n_jobs: int = 1, chunk_size: int = 500, progress=None
) -> list[tuple[str, ...]]:
    """Tokenize many texts, in ``n_jobs`` processes when ``n_jobs > 1``.

    ``progress`` is an optional callable taking the number of texts done in
    each step (e.g. ``tqdm.update``).
    """
    texts = list(texts)
    chunks = [texts[i : i + chunk_size] for i in range(0, len(texts), chunk_size)]
    out: list[tuple[str, ...]] = []
    if n_jobs <= 1 or len(texts) < 2 * chunk_size:
        for chunk in chunks:
            out.extend(_tokenize_chunk(chunk))
            if progress:
                progress(len(chunk))
        return out
    # fork shares the parent's already-loaded dictionary where available; the
    # initializer makes sure each worker has it either way.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(n_jobs, initializer=_init_worker) as pool:
        for chunk, toks in zip(chunks, pool.imap(_tokenize_chunk, chunks)):
            out.extend(toks)
            if progress:
                progress(len(chunk))
    return out

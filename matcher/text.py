"""Text pipeline: normalise, segment and filter Chinese posting text.

``tokenize(text)`` is the one entry point the rest of the engine and the
platform use: NFKC (full-width -> half-width), lower-case Latin, traditional ->
simplified (zhconv), jieba precise-mode segmentation with the shipped domain
dictionary, and the shipped stop-word list. Latin/digit runs stay whole
(``5G`` -> ``5g``, ``ISO9001`` -> ``iso9001``); ``3D打印`` is a dictionary entry
and comes out as the single token ``3d打印``.

The jieba state is per process: workers of :func:`tokenize_many` each load the
dictionary once in their initialiser (or inherit it from the parent under
fork), because jieba's globals do not cross a process boundary.

Speed (measured on generated postings, ~100 chars): jieba's pure-Python cut
is the cost, and postings repeat clauses, so both zhconv (split at characters
that occur in none of its table keys) and jieba (split exactly where jieba
itself splits: runs of its Han/alnum class) work on cached pieces; output is
identical to converting and cutting whole texts (tests/matcher/test_text.py).
"""

from __future__ import annotations

import functools
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
# jieba's own block pattern (precise mode): runs it segments; the rest it
# yields character by character.
_HAN = jieba.re_han_default


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
def _load_zhconv() -> re.Pattern | None:
    """Load zhconv's tables; return a pattern of safe split points (or None).

    zhconv replaces the longest table key starting at each position, so a
    character that occurs in no key can never be inside a replaced span: text
    split at such characters converts piece by piece exactly as a whole, and
    the pieces (clauses, which postings repeat) can be cached.
    """
    # zhconv's own lazy loader leaves its JSON file open (a ResourceWarning);
    # loading it by explicit path takes zhconv's `with open(...)` branch.
    zhconv.loaddict(os.path.join(os.path.dirname(zhconv.__file__), "zhcdict.json"))
    try:
        from zhconv import zhconv as _impl

        in_keys = {ch for key in _impl.getdict("zh-cn") for ch in key}
    except Exception:  # pragma: no cover - another zhconv layout: no splitting
        return None
    breaks = [c for c in ",.;:!?()[]/、。；：！？“”‘’《》\n " if c not in in_keys]
    return re.compile("[" + re.escape("".join(breaks)) + "]") if breaks else None


@lru_cache(maxsize=1 << 17)
def _to_simplified(piece: str) -> str:
    return zhconv.convert(piece, "zh-cn")


def normalize(text: str) -> str:
    """NFKC, traditional -> simplified, lower-case, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    # zhconv converts phrase-aware (專利 -> 专利); it runs before lower() since
    # its tables are case-sensitive only for CJK and case is irrelevant there.
    breaks = _load_zhconv()
    if breaks is None:
        text = zhconv.convert(text, "zh-cn")
    else:
        out, pos = [], 0
        for m in breaks.finditer(text):
            out.append(_to_simplified(text[pos : m.start()]))
            out.append(m.group())
            pos = m.end()
        out.append(_to_simplified(text[pos:]))
        text = "".join(out)
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
    out: list[str] = []
    # jieba's precise mode cuts each run of its "Han" class independently and
    # yields every other character on its own; doing that split here lets the
    # runs be cached (postings repeat clauses), with output identical to
    # filtering ``_segmenter().cut(text)`` token by token.
    for blk in _HAN.split(text):
        if not blk:
            continue
        if _HAN.match(blk):
            out.extend(_cut_block(blk))
        else:
            stops = stop_words()
            out.extend(
                tok for tok in (ch.strip() for ch in blk)
                if tok and tok not in stops and _MEANINGFUL.search(tok)
            )
    return out


@lru_cache(maxsize=1 << 17)
def _cut_block(blk: str) -> tuple[str, ...]:
    stops = stop_words()
    # HMM discovers unknown words (new product names); char n-gram features
    # downstream cover the cases where it splits differently in two postings.
    return tuple(
        tok
        for tok in (t.strip() for t in _block_cutter()(blk))
        if tok and tok not in stops and _MEANINGFUL.search(tok)
    )


@lru_cache(maxsize=1)
def _block_cutter():
    """What jieba's ``cut(text, HMM=True)`` runs on each Han block (its private
    ``__cut_DAG``; calling it directly skips a re-split and two generator layers
    per block). Falls back to the public ``cut`` if jieba renames it."""
    seg = _segmenter()
    cut_dag = getattr(seg, "_Tokenizer__cut_DAG", None)
    return cut_dag if cut_dag is not None else functools.partial(seg.cut, HMM=True)


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
    if "fork" in methods:
        # Forked workers inherit the loaded dictionary and the warm caches
        # instead of each loading jieba's prefix dictionary (~0.6 s) again.
        _block_cutter()
        _load_zhconv()
    with ctx.Pool(n_jobs, initializer=_init_worker) as pool:
        for chunk, toks in zip(chunks, pool.imap(_tokenize_chunk, chunks)):
            out.extend(toks)
            if progress:
                progress(len(chunk))
    return out

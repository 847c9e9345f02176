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
import hashlib
import logging
import math
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from importlib.metadata import version

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
def tokenizer_version() -> str:
    """Identify the segmentation: cutter library and version plus a digest of the
    shipped dictionary and stop words. Tokens stored under another version must be
    re-segmented before they are mixed with tokens made now."""
    digest = hashlib.sha256()
    for name in ("domain_dict.txt", "stopwords.txt"):
        digest.update(resources.files("matcher.dictionary").joinpath(name).read_bytes())
    return f"jieba-{version('jieba')}+dict-{digest.hexdigest()[:12]}"


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
    return zhconv.convert(piece, "zh-cn") if _may_convert(piece) else piece


@lru_cache(maxsize=1)
def _zhconv_triggers() -> tuple[frozenset, frozenset]:
    """Single characters and 2-character prefixes of the zh-cn keys that change text.

    zhconv replaces, left to right, the longest table key starting at each
    position. Many keys map to themselves (与 -> 与, 控制 -> 控制); a text in
    which no *changing* key occurs anywhere comes out exactly as it went in,
    and every occurrence of a changing key shows as one of its characters (a
    1-character key) or as a bigram that begins one. Checking that costs a set
    lookup per character instead of zhconv's Python loop; on CSL titles and
    abstracts ~87% of texts skip zhconv altogether.
    """
    _load_zhconv()
    try:
        from zhconv import zhconv as _impl

        table = _impl.getdict("zh-cn")
    except Exception:  # pragma: no cover - another zhconv layout: always convert
        return frozenset(), frozenset()
    singles = frozenset(k for k, v in table.items() if len(k) == 1 and v != k)
    pairs = frozenset((k[0], k[1]) for k, v in table.items() if len(k) > 1 and v != k)
    return singles, pairs


def _may_convert(text: str) -> bool:
    """False only if zhconv would return ``text`` unchanged (see above)."""
    singles, pairs = _zhconv_triggers()
    if not singles:  # pragma: no cover - tables unavailable
        return True
    return not singles.isdisjoint(text) or not pairs.isdisjoint(zip(text, text[1:], strict=False))


def normalize(text: str) -> str:
    """NFKC, traditional -> simplified, lower-case, whitespace collapsed.

    Examples
    --------
    >>> normalize("ＩＳＯ９００１　專利  質押")
    'iso9001 专利 质押'
    """
    text = unicodedata.normalize("NFKC", text or "")
    # zhconv converts phrase-aware (專利 -> 专利); it runs before lower() since
    # its tables are case-sensitive only for CJK and case is irrelevant there.
    if _may_convert(text):
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
    # HMM discovers unknown words (new product names); char n-gram features
    # downstream cover the cases where it splits differently in two postings.
    keep = _KEEP
    out = []
    for tok in _block_cutter()(blk):
        k = keep.get(tok)
        if k is None:
            # Han blocks hold no whitespace, so no token needs strip() here.
            k = keep[tok] = tok not in stop_words() and _MEANINGFUL.search(tok) is not None
        if k:
            out.append(tok)
    return tuple(out)


# token -> survives the stop-word and meaningful-character filter (tokens repeat).
_KEEP: dict[str, bool] = {}


_ABSENT = object()
_PREFIX = object()
_MEMO_CAP = 1 << 20


def _dag_cutter(seg: jieba.Tokenizer):
    """jieba's precise-mode cut of one Han block (``__cut_DAG`` with HMM), fused.

    Same algorithm and arithmetic as jieba 0.42: for each start position (right
    to left) every dictionary word starting there scores
    ``log(freq) - log(total) + best[end]``, the best (ties to the longer word)
    is kept, and runs of single characters not in the dictionary go to jieba's
    HMM (``finalseg.cut``). jieba builds the DAG in one pass and scores it in
    another, through a generator of tuples per position; one loop with floats
    in a list does the same work in about half the time. Output is identical
    (tests/matcher/test_text.py compares it with jieba's own cut).
    """
    from jieba import finalseg

    freq = seg.FREQ
    logtotal = math.log(seg.total)
    log = math.log
    hmm_cut = lru_cache(maxsize=1 << 15)(lambda buf: tuple(finalseg.cut(buf)))
    # fragment -> log(freq) - log(total) as jieba computes it, or _PREFIX (a
    # prefix of dictionary words only) or _ABSENT (stops the scan); memoised so
    # that a fragment costs one lookup, and cleared when it grows past a bound.
    weight: dict[str, object] = {}

    def cut(sentence: str) -> list[str]:
        n = len(sentence)
        score = [0.0] * (n + 1)
        end = list(range(1, n + 1))
        for idx in range(n - 1, -1, -1):
            best = None
            stop = idx + 1
            i = idx
            frag = sentence[idx]
            while True:
                w = weight.get(frag)
                if w is None:
                    if len(weight) > _MEMO_CAP:
                        weight.clear()
                    f = freq.get(frag)
                    w = weight[frag] = _ABSENT if f is None else log(f) - logtotal if f else _PREFIX
                if w is _ABSENT:
                    break
                if w is not _PREFIX:
                    v = w + score[i + 1]
                    # jieba takes max((score, end)): ties go to the later end.
                    if best is None or v >= best:
                        best, stop = v, i + 1
                i += 1
                if i >= n:
                    break
                frag = sentence[idx : i + 1]
            if best is None:
                # No dictionary word starts here: the character alone, as
                # jieba scores it (log(freq or 1) - log(total)).
                best = log(freq.get(sentence[idx]) or 1) - logtotal + score[idx + 1]
            score[idx] = best
            end[idx] = stop
        out: list[str] = []
        x = 0
        buf = ""
        while x < n:
            y = end[x]
            if y - x == 1:
                buf += sentence[x]
            else:
                if buf:
                    if len(buf) == 1:
                        out.append(buf)
                    elif not freq.get(buf):
                        out.extend(hmm_cut(buf))
                    else:
                        out.extend(buf)
                    buf = ""
                out.append(sentence[x:y])
            x = y
        if buf:
            if len(buf) == 1:
                out.append(buf)
            elif not freq.get(buf):
                out.extend(hmm_cut(buf))
            else:
                out.extend(buf)
        return out

    return cut


@lru_cache(maxsize=1)
def _block_cutter():
    """The cut jieba's ``cut(text, HMM=True)`` runs on each Han block: the fused
    :func:`_dag_cutter` when jieba has the 0.42 layout (``FREQ``, ``total``,
    ``finalseg``), else jieba's own ``cut``."""
    seg = _segmenter()
    if isinstance(getattr(seg, "FREQ", None), dict) and getattr(seg, "total", 0) > 0:
        try:
            return _dag_cutter(seg)
        except ImportError:  # pragma: no cover - another jieba layout
            pass
    return functools.partial(seg.cut, HMM=True)  # pragma: no cover


def _clear_caches() -> None:
    """Forget every text-derived cache (for honest repeated timings); the
    loaded dictionaries stay."""
    _cut_block.cache_clear()
    _to_simplified.cache_clear()
    _KEEP.clear()
    _block_cutter.cache_clear()


def _init_worker() -> None:
    _block_cutter()
    _zhconv_triggers()


# Texts of the running tokenize_many, set just before forking: forked workers
# read their spans from here instead of receiving the texts pickled.
_TEXTS: Sequence[str] | None = None


def _joined(texts: Iterable[str]) -> list[str]:
    # Tokens never contain a space (Han blocks hold none; other characters are
    # kept one by one and stripped), so one string per text carries them all
    # and pickles far faster than a tuple of small strings.
    return [" ".join(tokenize(t)) for t in texts]


def _tokenize_span(span: tuple[int, int]) -> list[str]:
    return _joined(_TEXTS[span[0] : span[1]])


def _split(joined: str) -> tuple[str, ...]:
    return tuple(joined.split(" ")) if joined else ()


def tokenize_many(
    texts: Iterable[str], *, n_jobs: int = 1, chunk_size: int = 500, progress=None
) -> list[tuple[str, ...]]:
    """Tokenize many texts, in ``n_jobs`` processes when ``n_jobs > 1``.

    ``progress`` is an optional callable taking the number of texts done in
    each step (e.g. ``tqdm.update``). The result is what ``tokenize`` gives for
    each text, as tuples.
    """
    global _TEXTS
    texts = list(texts)
    n = len(texts)
    if n_jobs <= 1 or n < 2 * chunk_size:
        out: list[tuple[str, ...]] = []
        for s in range(0, n, chunk_size):
            out.extend(tuple(tokenize(t)) for t in texts[s : s + chunk_size])
            if progress:
                progress(min(chunk_size, n - s))
        return out
    # Enough chunks for both balance and a moving progress bar, few enough that
    # per-chunk overhead stays negligible.
    size = max(50, min(chunk_size, -(-n // (8 * n_jobs))))
    spans = [(s, min(s + size, n)) for s in range(0, n, size)]
    out = []
    if "fork" in multiprocessing.get_all_start_methods():
        # Forked workers inherit the loaded dictionary, the warm caches and the
        # texts themselves; only (start, end) goes out and joined tokens come back.
        _init_worker()
        _TEXTS = texts
        try:
            with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
                for (s, e), joined in zip(spans, pool.imap(_tokenize_span, spans), strict=True):
                    out.extend(map(_split, joined))
                    if progress:
                        progress(e - s)
        finally:
            _TEXTS = None
        return out
    with multiprocessing.get_context("spawn").Pool(n_jobs, initializer=_init_worker) as pool:
        chunks = (texts[s:e] for s, e in spans)
        for (s, e), joined in zip(spans, pool.imap(_joined, chunks), strict=True):
            out.extend(map(_split, joined))
            if progress:
                progress(e - s)
    return out

"""Text pipeline: normalise, segment and filter Chinese posting text.

``tokenize(text)`` is the one entry point the rest of the engine and the
platform use: NFKC (full-width -> half-width), lower-case Latin, traditional ->
simplified (zhconv), precise-mode segmentation by jieba-rs (the ``rjieba``
binding) with the shipped domain dictionary, and the shipped stop-word list.
Latin/digit runs stay whole (``5G`` -> ``5g``, ``ISO9001`` -> ``iso9001``);
``3D打印`` is a dictionary entry and comes out as the single token ``3d打印``.

The segmentation is jieba's (same dictionary, same DAG and HMM): the text is
split into runs of jieba's "Han" class as jieba does, each run is cut by
jieba-rs, and the few tokens where jieba-rs groups differently from jieba
(a hyphenated Latin run such as ``hplc-esi-ms``) are split as jieba's HMM
step does. On the 9,999 CSL titles and abstracts the tokens are identical to
jieba 0.42's (``zhengqi bench --real-text`` measures time and agreement).

The segmenter is per process: workers of :func:`tokenize_many` inherit it from
the parent under fork, or build it once in their initialiser under spawn.
Postings repeat clauses, so both zhconv (split at characters that occur in
none of its table keys) and the cutter (per run) work on cached pieces.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from importlib.metadata import version

import rjieba
import zhconv

__all__ = [
    "clear_caches",
    "domain_terms",
    "filter_tokens",
    "load",
    "normalize",
    "stop_words",
    "tokenize",
    "tokenize_many",
    "tokenizer_version",
]

# A token made only of digits, punctuation or symbols carries no topic
# ("2021", "100", "——"); a token with at least one letter or CJK char does.
_MEANINGFUL = re.compile(r"[a-z\u3400-\u9fff]")
# Collapse runs of whitespace so that the cutter never yields them as tokens.
_SPACES = re.compile(r"\s+")
# jieba's block pattern (precise mode, ``jieba.re_han_default``): runs it
# segments; every other character it yields on its own.
_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
# jieba's HMM step (``jieba.finalseg``) splits what is not Han inside a run
# into Latin/digit words (a decimal and a % stay attached) and the rest.
_HMM_HAN = re.compile("([\u4E00-\u9FD5]+)")
_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")


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
    """Identify the segmentation: cutter library and version, the normalisation
    tables' version, and a digest of the shipped dictionary and stop words. Tokens
    stored under another version must be re-segmented before they are mixed with
    tokens made now.

    Examples
    --------
    >>> tokenizer_version().startswith("rjieba-")
    True
    """
    digest = hashlib.sha256()
    for name in ("domain_dict.txt", "stopwords.txt"):
        digest.update(resources.files("matcher.dictionary").joinpath(name).read_bytes())
    return f"rjieba-{version('rjieba')}+zhconv-{version('zhconv')}+dict-{digest.hexdigest()[:12]}"


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
def _segmenter() -> rjieba.Jieba:
    seg = rjieba.Jieba()
    for term in domain_terms():
        # A frequency that jieba itself suggests keeps the term whole without
        # forcing it over longer dictionary words that contain it.
        seg.add_word(term, max(seg.suggest_freq(term), 10), None)
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
    # yields every other character on its own; doing that split here keeps the
    # cutter to jieba's runs and lets them be cached (postings repeat clauses).
    for blk in _HAN.split(text):
        if not blk:
            continue
        out.extend(_cut_block(blk) if _HAN.match(blk) else filter_tokens(blk))
    return out


def filter_tokens(tokens: Iterable[str]) -> list[str]:
    """Tokens stripped, without empty ones, stop words, and tokens with neither a
    Latin letter nor a CJK character."""
    stops = stop_words()
    return [t for t in (t.strip() for t in tokens) if t and t not in stops and _MEANINGFUL.search(t)]


@lru_cache(maxsize=1 << 17)
def _cut_block(blk: str) -> tuple[str, ...]:
    # HMM discovers unknown words (new product names); char n-gram features
    # downstream cover the cases where it splits differently in two postings.
    out: list[str] = []
    for tok in _segmenter().cut(blk, True):
        kept = _KEPT.get(tok)
        if kept is None:
            kept = _KEPT[tok] = tuple(filter_tokens(_as_jieba(tok)))
        out.extend(kept)
    return tuple(out)


# token from the cutter -> what survives of it (tokens repeat).
_KEPT: dict[str, tuple[str, ...]] = {}


def _as_jieba(tok: str) -> list[str]:
    """A jieba-rs token as jieba yields it: a run of single characters that is no
    dictionary word goes through jieba's HMM step, which splits its non-Han part
    into Latin/digit words and single other characters (jieba-rs keeps
    ``u-pb`` or ``1525.7kg`` whole; jieba yields ``u``, ``-``, ``pb``)."""
    if _HMM_HAN.fullmatch(tok) or _segmenter().has_word(tok):
        return [tok]
    out: list[str] = []
    for part in _HMM_HAN.split(tok):
        if _HMM_HAN.fullmatch(part):
            out.append(part)
        elif part:
            out.extend(x for x in _HMM_SKIP.split(part) if x)
    return out


def clear_caches() -> None:
    """Forget every text-derived cache (for honest repeated timings); the
    loaded dictionaries stay."""
    _cut_block.cache_clear()
    _to_simplified.cache_clear()
    _KEPT.clear()


def load() -> None:
    """Load the segmenter and the normalisation tables now (else on first use)."""
    _segmenter()
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
    # Interned: tokens repeat across postings, and a million stored postings
    # would otherwise hold a million copies of each common word.
    return tuple(map(sys.intern, joined.split(" "))) if joined else ()


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
        load()
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
    with multiprocessing.get_context("spawn").Pool(n_jobs, initializer=load) as pool:
        chunks = (texts[s:e] for s, e in spans)
        for (s, e), joined in zip(spans, pool.imap(_joined, chunks), strict=True):
            out.extend(map(_split, joined))
            if progress:
                progress(e - s)
    return out

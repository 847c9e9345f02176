"""Reason terms as people should read them: words both postings really contain, spelled as the
posting wrote them (EMC, not emc), never a fragment of a longer word."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def shown_terms(raw: list[str], *, need_text: str, offer_text: str,
                need_tokens: str, offer_tokens: str) -> list[str]:
    """The engine's shared terms, kept only when each posting holds the term as whole words of
    its stored segmentation (a Latin code as a whole run of letters and digits), written as the
    need (else the offer) wrote it; a term inside a longer kept term is left out."""
    return list(_shown(tuple(raw), need_text, offer_text, need_tokens, offer_tokens))


# Every view of a match card asks again for the same pair: a pure answer, remembered (bounded).
@lru_cache(maxsize=2048)
def _shown(raw: tuple[str, ...], need_text: str, offer_text: str,
           need_tokens: str, offer_tokens: str) -> tuple[str, ...]:
    need_words, offer_words = need_tokens.split(), offer_tokens.split()
    kept: list[str] = []
    for term in raw:
        key = _norm(term)
        if len(key) < 2:
            continue
        if key.isascii():
            if not (_code_in(key, need_text) and _code_in(key, offer_text)):
                continue
        elif not (_words_make(key, need_words) and _words_make(key, offer_words)):
            continue  # a fragment across two words (业专 from 企业专利), or a stop word since
        kept.append(_as_written(term, need_text) or _as_written(term, offer_text) or term)
    return tuple(t for t in dict.fromkeys(kept) if not any(t != o and _norm(t) in _norm(o) for o in kept))


MAX_JOINED = 4  # a term may span up to four consecutive words (缺陷 + 检测 = 缺陷检测)


def _words_make(key: str, words: list[str]) -> bool:
    """Whether consecutive words of the posting spell exactly ``key``."""
    for i, first in enumerate(words):
        if not key.startswith(first):
            continue
        joined = ""
        for word in words[i:i + MAX_JOINED]:
            joined += word
            if joined == key:
                return True
            if not key.startswith(joined):
                break
    return False


def _code_in(key: str, text: str) -> bool:
    """A Latin code (emc, iso9001) as a whole run of letters and digits in the text."""
    return re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", _norm(text)) is not None


def _as_written(term: str, text: str) -> str | None:
    normalised = unicodedata.normalize("NFKC", text or "")
    found = re.search(re.escape(unicodedata.normalize("NFKC", term)), normalised, re.IGNORECASE)
    return found.group(0) if found else None

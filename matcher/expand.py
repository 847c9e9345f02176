"""Concept expansion from the domain dictionary (``dictionary/synonyms.txt``).

Enterprises describe a problem ("外壳用了三个月就开裂"), providers name a service
(失效分析). The dictionary lists, per concept, the words of both; a posting that
contains any of them gains the concept as an extra feature, on both sides, so the
need and the offer meet on it even when they share no word. The concept columns
are weighed like words (``MatchIndex.concept_weight``) and idf-weighted like
every feature, so a concept many postings carry counts for little.

A reason that comes from a concept is shown with :data:`EXPANDED_MARK`, so a
person never reads it as a word both postings contain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

__all__ = ["CONCEPT_PREFIX", "EXPANDED_MARK", "concepts_in", "load_concepts", "parse_concepts"]

# Marks concept features; tokenize() never keeps "=" inside a token.
CONCEPT_PREFIX = "="
EXPANDED_MARK = "（扩展）"
_ASCII = re.compile(r"[0-9a-z]")
_MEANINGFUL = re.compile(r"[0-9a-z\u3400-\u9fff]")


def parse_concepts(lines: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``概念 = 触发词 | 触发词`` lines (``#`` comments, blank lines) -> concept: triggers."""
    out: dict[str, tuple[str, ...]] = {}
    for n, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, rest = line.partition("=")
        triggers = tuple(t.strip() for t in rest.split("|") if t.strip())
        if not sep or not name.strip() or not triggers:
            raise ValueError(f"synonyms.txt:{n}: expected '概念 = 触发词 | 触发词'")
        out[name.strip()] = out.get(name.strip(), ()) + triggers
    return out


class _Matcher:
    """Finds the concepts whose triggers occur in a token sequence.

    A trigger made of Chinese characters only matches anywhere in the joined
    tokens (segmentation may split it differently in context); one with Latin
    letters or digits must match whole tokens ("vc" must not fire inside "pvc").
    One pass over the text with the triggers indexed by their first two
    characters (or first token): a regex alternation of ~800 literals cost
    ~150 µs a posting.
    """

    def __init__(self, concepts: dict[str, tuple[str, ...]]) -> None:
        from matcher.text import normalize, tokenize

        self.owner: dict[str | tuple[str, ...], list[str]] = {}
        self._cjk: dict[str, list[str]] = {}  # first two characters -> triggers
        self._latin: dict[str, list[tuple[str, ...]]] = {}  # first token -> token sequences
        self._single: set[str] = set()  # one-character triggers
        for name, triggers in concepts.items():
            for t in triggers:
                toks = tuple(tokenize(t))
                # Postings lose their stop words too, so a trigger is matched without
                # them (企业微信 -> 微信); one that shrinks to a single character
                # (外包 -> 包) would fire on far more than it says, and is left out.
                kept = len(_MEANINGFUL.findall("".join(toks)))
                if kept == 0 or kept < min(2, len(_MEANINGFUL.findall(normalize(t)))):
                    continue
                key: str | tuple[str, ...]
                if _ASCII.search(t.lower()):
                    key = toks
                    bucket = self._latin.setdefault(toks[0], [])
                elif len("".join(toks)) == 1:
                    key = toks[0]
                    self._single.add(key)
                    bucket = []
                else:
                    key = "".join(toks)
                    bucket = self._cjk.setdefault(key[:2], [])
                if key not in bucket:
                    bucket.append(key)
                names = self.owner.setdefault(key, [])
                if name not in names:
                    names.append(name)

    def __call__(self, tokens: Sequence[str]) -> list[str]:
        found: dict[str, None] = {}
        text = "".join(tokens)
        get, owner = self._cjk.get, self.owner
        # Most positions start no trigger: one slice and one dict lookup each.
        for i in range(len(text)):
            keys = get(text[i : i + 2])
            if keys is not None:
                for key in keys:
                    if text.startswith(key, i):
                        for name in owner[key]:
                            found[name] = None
        if self._single:
            for ch in set(text) & self._single:
                for name in owner[ch]:
                    found[name] = None
        latin = self._latin
        for i, tok in enumerate(tokens):
            for key in latin.get(tok, ()):
                if tuple(tokens[i : i + len(key)]) == key:
                    for name in owner[key]:
                        found[name] = None
        return list(found)


@lru_cache(maxsize=1)
def load_concepts() -> _Matcher:
    """The shipped dictionary's matcher (built once per process)."""
    text = resources.files("matcher").joinpath("dictionary/synonyms.txt").read_text("utf-8")
    return _Matcher(parse_concepts(text.splitlines()))


def concepts_in(tokens: Sequence[str]) -> list[str]:
    """Names of the shipped dictionary's concepts found in ``tokens``, in dictionary order
    of first match."""
    return load_concepts()(tokens)

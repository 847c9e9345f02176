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
    """

    def __init__(self, concepts: dict[str, tuple[str, ...]]) -> None:
        from matcher.text import tokenize

        self.owner: dict[str, list[str]] = {}
        cjk, latin = set(), set()
        for name, triggers in concepts.items():
            for t in triggers:
                toks = tokenize(t)
                if not toks:
                    continue
                key = " ".join(toks) if _ASCII.search(t.lower()) else "".join(toks)
                (latin if _ASCII.search(t.lower()) else cjk).add(key)
                self.owner.setdefault(key, [])
                if name not in self.owner[key]:
                    self.owner[key].append(name)
        self._cjk = _alternation(cjk, "", "")
        self._latin = _alternation(latin, r"(?<![^ ])", r"(?![^ ])")

    def __call__(self, tokens: Sequence[str]) -> list[str]:
        found: dict[str, None] = {}
        for pattern, text, sep in ((self._cjk, "".join(tokens), None),
                                   (self._latin, " ".join(tokens), " ")):
            if pattern is None:
                continue
            pos = 0
            # Overlapping matches (a word can hold two triggers), and the shorter
            # triggers that start where a longer one matched (电磁兼容 / 电磁).
            while (m := pattern.search(text, pos)) is not None:
                hit = m.group(1)
                for end in range(len(hit), 0, -1):
                    if end < len(hit) and sep is not None and hit[end] != sep:
                        continue
                    for name in self.owner.get(hit[:end], ()):
                        found[name] = None
                pos = m.start() + 1
        return list(found)


def _alternation(keys: set[str], before: str, after: str) -> re.Pattern | None:
    if not keys:
        return None
    body = "|".join(re.escape(k) for k in sorted(keys, key=lambda k: (-len(k), k)))
    return re.compile(f"{before}({body}){after}")


@lru_cache(maxsize=1)
def load_concepts() -> _Matcher:
    """The shipped dictionary's matcher (built once per process)."""
    text = resources.files("matcher").joinpath("dictionary/synonyms.txt").read_text("utf-8")
    return _Matcher(parse_concepts(text.splitlines()))


def concepts_in(tokens: Sequence[str]) -> list[str]:
    """Names of the shipped dictionary's concepts found in ``tokens``, in dictionary order
    of first match."""
    return load_concepts()(tokens)

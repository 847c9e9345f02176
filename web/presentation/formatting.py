"""Formatting for people: shared terms marked in text, status badges (times: times.py,
figures: figures.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup, escape

from models.match import MATCH_STATUS_LABELS, MatchStatus
from models.posting import POSTING_STATUS_LABELS, NeedStatus


def highlight(text: str | None, terms: Iterable[str], mark_class: str = "") -> Markup:
    """Escape ``text`` and wrap each occurrence of a shared term in <mark> (of ``mark_class``).

    Matching runs on the raw text and each piece is escaped on its own, so neither the
    text nor a term can inject markup, and a term never matches inside an HTML entity.
    """
    words = tuple(sorted({t.strip() for t in terms if t and t.strip()}, key=lambda w: (-len(w), w)))
    return _highlighted(text or "", words, mark_class)


# A list of match cards marks the same postings with the same terms on every view: the
# answer of a pure function, remembered (bounded).
@lru_cache(maxsize=2048)
def _highlighted(text: str, words: tuple[str, ...], mark_class: str) -> Markup:
    if not words:
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    opening = f'<mark class="{escape(mark_class)}">' if mark_class else "<mark>"
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(str(escape(text[pos:m.start()])))
        out.append(f"{opening}{escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


# One colour per status, for matches and postings alike (ok green, info blue, warn amber,
# bad red, '' grey): waiting on staff is amber, moving is blue, done well is green.
S = MatchStatus
STATUS_BADGE: dict[str, str] = {
    S.proposed: "warn", S.approved: "info", S.contacted: "info", S.negotiating: "info",
    S.contracted: "ok", S.rejected: "bad", S.closed: "", S.withdrawn: "",
    NeedStatus.draft: "warn", NeedStatus.open: "ok",  # posting statuses (offers share these values)
}
# Labels of match and posting statuses (the two agree where they share a value).
STATUS_LABELS: dict[str, str] = {**POSTING_STATUS_LABELS, **MATCH_STATUS_LABELS}

"""zhengqi matching engine: Chinese text -> tokens -> TF-IDF -> ranked, explained matches.

A pure library: it imports neither the web platform nor the database layer.
"""

from matcher.index import MatchIndex
from matcher.signals import SignalWeights
from matcher.text import normalize, tokenize, tokenizer_version
from matcher.types import (
    IndexVersionError,
    Match,
    NotFittedError,
    Posting,
    Signal,
    TermContribution,
)

__all__ = [
    "IndexVersionError",
    "Match",
    "MatchIndex",
    "NotFittedError",
    "Posting",
    "Signal",
    "SignalWeights",
    "TermContribution",
    "normalize",
    "tokenize",
    "tokenizer_version",
]

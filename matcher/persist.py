"""Versioned index files.

Layout: one JSON header line, then a pickle of the fitted index. The header names
the file format and its version, the tokenizer that segmented the stored postings
(:func:`matcher.tokenizer_version`) and the versions of the libraries whose
objects are pickled. It is read and checked *before* unpickling, so a file from
another engine fails with a clear message instead of an obscure attribute error
or, worse, tokens of two segmentations mixed in one vocabulary. Pickle runs code
on load: only load index files the platform wrote itself.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import tempfile
from importlib.metadata import version
from pathlib import Path

from matcher.text import tokenize_many, tokenizer_version
from matcher.types import IndexVersionError

__all__ = ["FORMAT", "VERSION", "save_index", "load_index", "read_header", "library_versions"]

FORMAT = "zhengqi-matchindex"
# Bump whenever the pickled state's layout or the feature pipeline changes:
# vectors from another pipeline would silently mismatch the vocabulary.
VERSION = 3

# Libraries whose objects are inside the pickle. scikit-learn documents that a
# pickled estimator is only safe to load with the version that wrote it; numpy
# and scipy keep their pickles readable within a major version.
_EXACT = ("scikit-learn",)
_SAME_MAJOR = ("numpy", "scipy")


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a saved index depends on."""
    return {name: version(name) for name in _EXACT + _SAME_MAJOR}


def save_index(index, path: Path) -> None:
    """Write ``index`` atomically (temp file, then rename)."""
    for side in (index.needs_, index.offers_):
        side.compact()
    header = {"format": FORMAT, "version": VERSION, "tokenizer": index.tokenizer_version_,
              "libraries": library_versions(), "needs": len(index.needs_),
              "offers": len(index.offers_), "features": len(index.feature_names_)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(header).encode() + b"\n")
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_header(path: Path) -> dict:
    """Return the header of an index file, or raise IndexVersionError if it is not one."""
    with open(path, "rb") as fh:
        line = fh.readline(4096)
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise IndexVersionError(f"{path}: not a zhengqi match index file")
    return header


def _library_mismatch(saved: dict) -> str | None:
    here = library_versions()
    for name in _EXACT + _SAME_MAJOR:
        theirs, ours = str(saved.get(name)), here[name]
        same = theirs == ours if name in _EXACT else theirs.split(".")[0] == ours.split(".")[0]
        if not same:
            return f"{name} {theirs} (this engine has {ours})"
    return None


def load_index(path: Path, *, resegment: bool = False):
    """Load an index written by :func:`save_index`.

    Another format version or another scikit-learn (or numpy/scipy major) version
    raises :class:`IndexVersionError`: refit from the postings. An index whose
    postings were segmented by another tokenizer (another cutter, another
    dictionary) raises it too unless ``resegment``: then every stored posting is
    segmented again from its text and the index refitted, so that old and new
    tokens are never mixed.
    """
    header = read_header(path)
    if header.get("version") != VERSION:
        raise IndexVersionError(
            f"{path}: index format version {header.get('version')!r}, this engine reads "
            f"version {VERSION}; refit the index (MatchIndex().fit(...)) and save it again"
        )
    mismatch = _library_mismatch(header.get("libraries") or {})
    if mismatch:
        raise IndexVersionError(f"{path}: written with {mismatch}; refit the index and save it again")
    current = tokenizer_version()
    stale = header.get("tokenizer") != current
    if stale and not resegment:
        raise IndexVersionError(
            f"{path}: postings segmented by tokenizer {header.get('tokenizer')!r}, this engine "
            f"segments with {current!r}; load with resegment=True or refit from the postings"
        )
    with open(path, "rb") as fh:
        fh.readline(4096)
        index = pickle.load(fh)
    return _resegmented(index) if stale else index


def _resegmented(index):
    """The index refitted on its stored postings, each segmented again from its text."""
    sides = []
    for side in (index.needs_, index.offers_):
        postings = list(side.postings.values())
        tokens = tokenize_many([p.text for p in postings], n_jobs=index.n_jobs)
        sides.append([dataclasses.replace(p, tokens=t)
                      for p, t in zip(postings, tokens, strict=True)])
    return index.fit(*sides)

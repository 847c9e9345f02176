"""Versioned index files.

Layout: one JSON header line ``{"format": "zhengqi-matchindex", "version": N, ...}``
then a pickle of the fitted index. The header is read and checked *before*
unpickling, so a file of another version fails with a clear message instead of
an obscure attribute error. Pickle runs code on load: only load index files the
platform wrote itself.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path

from matcher.types import IndexVersionError

__all__ = ["FORMAT", "VERSION", "save_index", "load_index"]

FORMAT = "zhengqi-matchindex"
# Bump whenever the pickled state's layout or the feature pipeline changes:
# vectors from another pipeline would silently mismatch the vocabulary.
VERSION = 2

_CACHES = ("_alive_cache", "_rank_cache")


def save_index(index, path: Path) -> None:
    """Write ``index`` atomically (temp file, then rename)."""
    for side in (index.needs_, index.offers_):
        side.compact()
        for attr in _CACHES:
            side.__dict__.pop(attr, None)
    for attr in ("_table_cache", "_table_key"):
        index.__dict__.pop(attr, None)
    header = {"format": FORMAT, "version": VERSION, "needs": len(index.needs_),
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


def load_index(path: Path):
    """Load an index written by :func:`save_index` with the same format version."""
    header = read_header(path)
    if header.get("version") != VERSION:
        raise IndexVersionError(
            f"{path}: index format version {header.get('version')!r}, this engine reads "
            f"version {VERSION}; refit the index (MatchIndex().fit(...)) and save it again"
        )
    with open(path, "rb") as fh:
        fh.readline(4096)
        return pickle.load(fh)

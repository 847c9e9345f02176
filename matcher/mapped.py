"""Index files that many processes memory-map and share.

The same header as :mod:`matcher.persist`, then the index pickled with protocol 5 and
its large arrays (the sparse matrices' data, indices and row pointers, the per-row
signal arrays) written out of band, each aligned to 64 bytes. Loading maps the file
copy-on-write and hands those byte ranges back to pickle, so the arrays are views of
the mapping: every process that loads the same file shares one copy of its pages in
memory, and a process that changes an array (closing a posting clears its ``alive``
flag) gets a private copy of that page only.

Pickle runs code on load: only load index files the platform wrote itself.

Examples
--------
>>> import tempfile, pathlib
>>> from matcher import MatchIndex, Posting
>>> index = MatchIndex().fit([Posting("n1", "视觉检测")], [Posting("o1", "视觉检测服务")])
>>> path = pathlib.Path(tempfile.mkdtemp()) / "index.zqm"
>>> save_mapped(index, path)
>>> load_mapped(path).match_need(Posting("n2", "视觉检测"))[0].offer_id
'o1'
"""

from __future__ import annotations

import json
import mmap
import os
import pickle
import tempfile
from pathlib import Path

from matcher.persist import check_header, header_of, read_header, resegmented

__all__ = ["save_mapped", "load_mapped"]

LAYOUT = "mapped-1"
ALIGN = 64


def _pad(n: int) -> int:
    return -n % ALIGN


def save_mapped(index, path: Path) -> None:
    """Write ``index`` for :func:`load_mapped`, atomically (temp file, then rename)."""
    header = header_of(index)
    buffers: list[pickle.PickleBuffer] = []
    body = pickle.dumps(index, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    # Offsets count from the first aligned byte after the header line.
    spans, at = [], len(body) + _pad(len(body))
    for raw in raws:
        spans.append([at, raw.nbytes])
        at += raw.nbytes + _pad(raw.nbytes)
    header.update(layout=LAYOUT, body=[0, len(body)], buffers=spans)
    line = json.dumps(header).encode() + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(line + b"\0" * _pad(len(line)))
            fh.write(body + b"\0" * _pad(len(body)))
            for raw in raws:
                fh.write(raw)
                fh.write(b"\0" * _pad(raw.nbytes))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_mapped(path: Path, *, resegment: bool = False):
    """Map an index written by :func:`save_mapped` (version checks as in ``load_index``)."""
    header = read_header(path)
    if header.get("layout") != LAYOUT:
        from matcher.types import IndexVersionError

        raise IndexVersionError(f"{path}: not a memory-mapped index file (layout {header.get('layout')!r})")
    stale = check_header(path, header, resegment=resegment)
    with open(path, "rb") as fh:
        start = len(fh.readline(4096))
        start += _pad(start)
        # ACCESS_COPY: shared with every other mapping until a page is written.
        view = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY))
    b0, blen = header["body"]
    buffers = [view[start + o : start + o + n] for o, n in header["buffers"]]
    index = pickle.loads(view[start + b0 : start + b0 + blen], buffers=buffers)
    return resegmented(index) if stale else index

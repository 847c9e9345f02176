"""JSON Lines in and out: postings read with errors that name the file and line,
and the batch contract's output line."""

from __future__ import annotations

import json
from pathlib import Path

from matcher.types import Match, Posting

__all__ = ["InputError", "match_line", "read_postings"]

_TEXT_FIELDS = ("title", "description", "category", "region", "credit")


class InputError(ValueError):
    """Bad batch input; the message names the file and the line number."""


def _text(value, path: Path, lineno: int, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise InputError(f"{path}:{lineno}: field {name!r} must be a string")


def read_postings(path: str | Path) -> list[Posting]:
    """Read one posting per line; blank lines are skipped, unknown fields ignored.

    Raises
    ------
    InputError
        On a line that is not a JSON object, a missing or empty ``id``, or a
        duplicate ``id``.
    """
    path = Path(path)
    out: list[Posting] = []
    first_line: dict[str, int] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise InputError(f"{path}:{lineno}: expected a JSON object")
            pid = rec.get("id")
            if isinstance(pid, bool) or not isinstance(pid, (str, int)) or str(pid) == "":
                raise InputError(f"{path}:{lineno}: missing \"id\"")
            pid = str(pid)
            if pid in first_line:
                raise InputError(
                    f"{path}:{lineno}: duplicate id {pid!r} (first on line {first_line[pid]})"
                )
            first_line[pid] = lineno
            fields = {k: _text(rec.get(k), path, lineno, k) for k in _TEXT_FIELDS}
            is_open = rec.get("is_open", True)
            if rec.get("status") in ("closed", "已关闭"):
                is_open = False
            out.append(Posting(
                id=pid, title=fields["title"] or "", description=fields["description"] or "",
                category=fields["category"], region=fields["region"], credit=fields["credit"],
                is_open=bool(is_open),
            ))
    return out


def match_line(need_id: str, matches: list[Match]) -> str:
    """One output line of ``zhengqi match`` (the batch contract), newline included."""
    return json.dumps({"need_id": need_id, "matches": [
        {"offer_id": m.offer_id, "score": round(m.score, 6), "terms": [t for t, _ in m.terms]}
        for m in matches
    ]}, ensure_ascii=False) + "\n"

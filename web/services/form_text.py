"""A required text field of a staff form, read once: trimmed, present, not too long."""

from __future__ import annotations

from typing import Any


def required_text(errors: dict[str, str], values: dict[str, Any], key: str, label: str, max_len: int) -> str:
    """The trimmed text of ``values[key]``; when blank or longer than ``max_len`` characters,
    ``errors[key]`` says so in the form's words (请填写… / …不能超过N字)."""
    text = str(values.get(key) or "").strip()
    if not text:
        errors[key] = f"请填写{label}"
    elif len(text) > max_len:
        errors[key] = f"{label}不能超过{max_len}字"
    return text

"""One page of a list, shared by every paginated service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    """``items`` of page ``page`` (1-based) out of ``total`` rows, ``per_page`` a page."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

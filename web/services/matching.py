"""The in-memory match index of this worker (placeholder until the web platform issue)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine


@dataclass
class IndexHolder:
    engine: Engine

    @classmethod
    def load(cls, engine: Engine) -> "IndexHolder":
        return cls(engine=engine)

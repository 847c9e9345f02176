"""Versioned ranking models, each with the report of its training run, an activation history and rollback.

:class:`ModelStore` is the interface :func:`matcher.learning.learn` keeps models
in; :class:`DirectoryModelStore` keeps them as files in one folder (the platform's
``ZHENGQI_MODEL_DIR``), each written atomically.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from matcher.rerank import FeedbackRanker

__all__ = ["DirectoryModelStore", "LearnReport", "ModelStore"]


@dataclass
class LearnReport:
    """What a training run found; the staff page shows these figures."""

    trained_on: int
    held_out: int
    new_auc: float
    active_auc: float | None
    engine_auc: float
    activated: bool = False
    version: int | None = None
    reason: str = ""
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


class ModelStore(Protocol):
    """Versioned ranking models with an activation history (the platform may keep
    them in its database; :class:`DirectoryModelStore` keeps them in files)."""

    def save(self, model: FeedbackRanker, report: LearnReport) -> int: ...
    def load(self, version: int) -> FeedbackRanker: ...
    def versions(self) -> list[dict]: ...
    def active_version(self) -> int | None: ...
    def activate(self, version: int) -> None: ...
    def rollback(self) -> int | None: ...


_FORMAT = "zhengqi-ranker"
# 2: the pairwise ranker with cross-validated strength (older models hold another class layout).
_FORMAT_VERSION = 2


class DirectoryModelStore:
    """Models as ``model-<version>.pkl`` files (a JSON header line, then a pickle)
    and ``state.json`` (reports, active version, activation history) in one folder.

    Pickle runs code on load: only load model files the platform wrote itself.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def _state(self) -> dict:
        path = self.directory / "state.json"
        if not path.is_file():
            return {"versions": [], "history": []}
        return json.loads(path.read_text(encoding="utf-8"))

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _put_state(self, state: dict) -> None:
        self._write("state.json", json.dumps(state, ensure_ascii=False, indent=1).encode())

    def save(self, model: FeedbackRanker, report: LearnReport) -> int:
        """Keep a new version (not activated); returns its number."""
        state = self._state()
        version = max((v["version"] for v in state["versions"]), default=0) + 1
        header = json.dumps({"format": _FORMAT, "version": _FORMAT_VERSION, "model": version})
        self._write(f"model-{version}.pkl",
                    header.encode() + b"\n" + pickle.dumps(model, pickle.HIGHEST_PROTOCOL))
        state["versions"].append({**asdict(report), "version": version})
        self._put_state(state)
        return version

    def load(self, version: int) -> FeedbackRanker:
        with open(self.directory / f"model-{version}.pkl", "rb") as fh:
            header = json.loads(fh.readline(4096))
            if header.get("format") != _FORMAT or header.get("version") != _FORMAT_VERSION:
                raise ValueError(f"model-{version}.pkl: not a ranking model of format "
                                 f"{_FORMAT} v{_FORMAT_VERSION}")
            return pickle.load(fh)

    def versions(self) -> list[dict]:
        return self._state()["versions"]

    def active_version(self) -> int | None:
        history = self._state()["history"]
        return history[-1] if history else None

    def activate(self, version: int) -> None:
        state = self._state()
        if version not in {v["version"] for v in state["versions"]}:
            raise ValueError(f"no model version {version}")
        state["history"].append(version)
        self._put_state(state)

    def rollback(self) -> int | None:
        """Deactivate the active model; the one active before it (or none: the plain
        engine) is active again. Returns the version now active."""
        state = self._state()
        if not state["history"]:
            raise ValueError("没有启用中的模型，无法回滚")
        state["history"].pop()
        self._put_state(state)
        return state["history"][-1] if state["history"] else None

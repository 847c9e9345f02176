"""Audit log entries, written in the transaction of the change they record."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from models import AuditLog


def record(
    session: Session, *, actor_id: int | None, action: str, object_type: str,
    object_id: int | None = None, detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row (flushes only: the caller's action commits it with the change)."""
    entry = AuditLog(actor_id=actor_id, action=action, object_type=object_type,
                     object_id=object_id, detail=detail or {})
    session.add(entry)
    session.flush()
    return entry

"""Reading the lists, and the admin's changes to them (each kept in DictChange)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import String, cast, or_
from sqlmodel import Session, col, func, select

from models import AuditLog, Contract, DictChange, DictItem, Need, Offer, Qualification, User
from web.services import audit
from web.services.dictionaries.defaults import DEFAULTS
from web.services.errors import Conflict, DomainError, NotFound, ValidationFailed

KINDS: dict[str, str] = {"category": "服务类别", "reject_reason": "驳回原因", "contract_type": "合同类型",
                         "qualification": "企业资质"}
_CODE = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff（）()“”·]{1,50}$")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise NotFound("未找到该字典")


def items(session: Session, kind: str) -> list[DictItem]:
    """Every value of a list, retired included, in display order. Until an admin first edits
    the list, these are the shipped defaults (not yet stored)."""
    _check_kind(kind)
    rows = list(session.exec(select(DictItem).where(DictItem.kind == kind)
                             .order_by(col(DictItem.sort_order), col(DictItem.id))).all())
    return rows or list(_shipped(kind))


def all_items(session: Session) -> dict[str, list[DictItem]]:
    """:func:`items` of every list from one query (a page shows labels of several)."""
    stored: dict[str, list[DictItem]] = {kind: [] for kind in KINDS}
    for row in session.exec(select(DictItem).order_by(col(DictItem.sort_order), col(DictItem.id))).all():
        stored.setdefault(row.kind, []).append(row)
    return {kind: rows or list(_shipped(kind)) for kind, rows in stored.items()}


@cache
def _shipped(kind: str) -> tuple[DictItem, ...]:
    """The shipped defaults as rows (never stored: _materialise stores its own), built once:
    pages read them on every request until an admin first edits the list."""
    return tuple(DictItem(kind=kind, code=c, label=lbl, description=d, sort_order=i, builtin=True)
                 for i, (c, lbl, d) in enumerate(DEFAULTS[kind]))


def options(session: Session, kind: str) -> list[tuple[str, str]]:
    """(code, label) of the values a form may offer: the active ones."""
    return [(i.code, i.label) for i in items(session, kind) if i.retired_at is None]


def labels(session: Session, kind: str) -> dict[str, str]:
    """code -> label for every value, retired included (for showing stored rows)."""
    return {i.code: i.label for i in items(session, kind)}


def check(session: Session, kind: str, value: str | None, *, current: str | None = None,
          field: str | None = None) -> str:
    """The value if it is an active code (or the row's ``current`` one, which an edit may keep
    even after it was retired); ValidationFailed naming the list otherwise."""
    value = (value or "").strip()
    if value and (value == current or value in dict(options(session, kind))):
        return value
    name = KINDS[kind]
    message = f"请选择{name}" if not value else f"“{value[:50]}”不是可选的{name}（可能已停用），请重新选择"
    raise ValidationFailed(message, field=field or kind)


def _materialise(session: Session, kind: str) -> None:
    """Store the shipped defaults before the first edit of a list (flushes)."""
    if session.exec(select(func.count()).select_from(DictItem).where(DictItem.kind == kind)).one():
        return
    for i, (code, label, description) in enumerate(DEFAULTS[kind]):
        session.add(DictItem(kind=kind, code=code, label=label, description=description, sort_order=i * 10,
                             builtin=True))
    session.flush()


@contextmanager
def _edit(session: Session) -> Iterator[None]:
    """One admin edit: a refusal rolls back the defaults it may have stored first (_materialise)."""
    try:
        yield
    except DomainError:
        session.rollback()
        raise


def _get(session: Session, kind: str, code: str) -> DictItem:
    _check_kind(kind)
    _materialise(session, kind)
    row = session.exec(select(DictItem).where(DictItem.kind == kind, DictItem.code == code)).first()
    if row is None:
        raise NotFound("未找到该字典项")
    return row


def _record(session: Session, row: DictItem, *, actor_id: int, action: str, detail: dict) -> None:
    session.add(DictChange(kind=row.kind, code=row.code, action=action, actor_id=actor_id, detail=detail))
    audit.record(session, actor_id=actor_id, action=f"dict.{action}", object_type="dict", object_id=row.id,
                 detail={"kind": row.kind, "code": row.code, **detail})


def _clean_label(label: str) -> str:
    label = label.strip()
    if not label:
        raise ValidationFailed("请填写名称", field="label")
    if len(label) > 50:
        raise ValidationFailed("名称不能超过50个字", field="label")
    return label


def _clean_description(description: str) -> str:
    if len(description.strip()) > 200:
        raise ValidationFailed("说明不能超过200个字", field="description")
    return description.strip()


def add_item(session: Session, *, actor_id: int, kind: str, label: str, code: str = "",
             description: str = "") -> DictItem:
    """Add a value; its code (default: the name) is fixed from now on. Commits."""
    with _edit(session):
        _check_kind(kind)
        _materialise(session, kind)
        label = _clean_label(label)
        code = (code.strip() or label)
        if not _CODE.match(code):
            raise ValidationFailed("编码为1–50位汉字、字母、数字、下划线或连字符", field="code")
        taken = session.exec(select(DictItem).where(DictItem.kind == kind,
                                                    or_(col(DictItem.code) == code, col(DictItem.label) == label))).first()
        if taken is not None:
            raise ValidationFailed("该编码或名称已存在（含已停用的项，可将其恢复）", field="label")
        last = session.exec(select(func.max(DictItem.sort_order)).where(DictItem.kind == kind)).one() or 0
        row = DictItem(kind=kind, code=code, label=label, description=_clean_description(description),
                       sort_order=last + 10)
        session.add(row)
        session.flush()
        _record(session, row, actor_id=actor_id, action="create", detail={"label": label})
        session.commit()
        return row


def update_item(session: Session, *, actor_id: int, kind: str, code: str, label: str,
                description: str = "") -> DictItem:
    """Rename a value or change its explanation; stored rows keep the code. Commits."""
    with _edit(session):
        row = _get(session, kind, code)
        label, description = _clean_label(label), _clean_description(description)
        clash = session.exec(select(DictItem).where(DictItem.kind == kind, DictItem.label == label,
                                                    DictItem.id != row.id)).first()
        if clash is not None:
            raise ValidationFailed("已有同名的字典项", field="label")
        changes = {}
        if label != row.label:
            changes["label"] = f"{row.label} → {label}"
        if description != row.description:
            changes["description"] = f"{row.description or '（空）'} → {description or '（空）'}"
        if changes:
            row.label, row.description = label, description
            session.add(row)
            _record(session, row, actor_id=actor_id, action="update", detail=changes)
            session.commit()
        return row


def set_retired(session: Session, *, actor_id: int, kind: str, code: str, retired: bool) -> DictItem:
    """Retire a value (kept on stored rows, no longer offered) or bring it back. Commits."""
    with _edit(session):
        row = _get(session, kind, code)
        if (row.retired_at is not None) == retired:
            return row
        if retired and len([o for o in options(session, kind) if o[0] != code]) == 0:
            raise Conflict(f"{KINDS[kind]}至少要保留一个可选项")
        row.retired_at = datetime.now(UTC) if retired else None
        session.add(row)
        _record(session, row, actor_id=actor_id, action="retire" if retired else "restore", detail={})
        session.commit()
        return row


def usage(session: Session, kind: str, code: str) -> int:
    """How many stored rows use the value."""
    if kind == "category":
        return sum(session.exec(select(func.count()).select_from(m).where(m.category == code)).one()
                   for m in (Need, Offer))
    if kind == "contract_type":
        return session.exec(select(func.count()).select_from(Contract).where(Contract.contract_type == code)).one()
    if kind == "qualification":
        return session.exec(select(func.count()).select_from(Qualification).where(Qualification.kind == code)).one()
    # Reject reasons live in the audit detail of each rejection (same JSON text on both databases).
    return session.exec(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "match.reject",
        cast(AuditLog.detail, String).like(f'%"reason_code": "{code}"%'))).one()


def delete_item(session: Session, *, actor_id: int, kind: str, code: str) -> None:
    """Delete a value nobody uses and the platform did not ship; otherwise only retiring is allowed. Commits."""
    with _edit(session):
        row = _get(session, kind, code)
        if row.builtin:
            raise Conflict("平台内置的字典项不能删除，只能停用")
        used = usage(session, kind, code)
        if used:
            raise Conflict(f"该字典项已被 {used} 条记录使用，不能删除，只能停用（原有记录保持不变）")
        _record(session, row, actor_id=actor_id, action="delete", detail={"label": row.label})
        session.delete(row)
        session.commit()


@dataclass(frozen=True)
class ChangeRow:
    change: DictChange
    actor_name: str


def history(session: Session, *, kind: str, limit: int = 50) -> list[ChangeRow]:
    """The latest changes to one list, newest first."""
    _check_kind(kind)
    rows = session.exec(select(DictChange, User).join(User, col(User.id) == DictChange.actor_id, isouter=True)
                        .where(DictChange.kind == kind)
                        .order_by(col(DictChange.created_at).desc(), col(DictChange.id).desc()).limit(limit)).all()
    return [ChangeRow(c, (u.display_name or u.username) if u else "系统") for c, u in rows]

"""The audit log's hash chain: new entries are sealed when their transaction commits, and the
stored chain can be verified at any time.

An entry is queued with :func:`append` and written by a ``before_commit`` hook: the hook
locks the chain head, gives each queued entry the next id, the previous entry's hash and its
own hash, and moves the head. Sealing at commit, not at the entry's flush, keeps the head
locked only for the last moment of a transaction, after it has done its other writes, so two
transactions cannot deadlock over it. On SQLite the write lock (BEGIN IMMEDIATE) already
serialises writers; on PostgreSQL the head row is locked FOR UPDATE.

The hashed content is fixed (version 1 below): changing :func:`content` would make every stored
row fail verification.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, func, select

from models.audit import GENESIS, AuditChainHead, AuditLog, AuditPersonal
from models.base import utcnow

PENDING = "zhengqi.audit_pending"
MAX_PROBLEMS = 20


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain_json(value: Any) -> Any:
    """``value`` as it reads back from a JSON column (string keys, dates and decimals as text)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def content(*, id: int, created_at: datetime, actor_id: int | None, action: str, object_type: str,
            object_id: int | None, detail: dict[str, Any], personal_digest: str | None) -> str:
    """The canonical text of an entry that its hash covers (chain format version 1)."""
    return json.dumps(
        {"v": 1, "id": id, "at": _iso(created_at), "actor": actor_id, "action": action,
         "object": [object_type, object_id], "detail": detail, "personal": personal_digest},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link_hash(prev_hash: str, text: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


_COLUMNS = (AuditLog.id, AuditLog.created_at, AuditLog.actor_id, AuditLog.action, AuditLog.object_type,
            AuditLog.object_id, AuditLog.detail, AuditLog.personal_digest, AuditLog.prev_hash,
            AuditLog.row_hash)


def entry_hash(entry: Any) -> str:
    """The hash ``entry`` (an AuditLog or a row of its columns) must carry, given its previous hash."""
    return link_hash(entry.prev_hash, content(
        id=entry.id, created_at=entry.created_at, actor_id=entry.actor_id, action=entry.action,
        object_type=entry.object_type, object_id=entry.object_id, detail=entry.detail or {},
        personal_digest=entry.personal_digest))


def personal_digest(salt: str, data: dict[str, Any]) -> str:
    # Salted: once the personal row is erased, a phone number or name cannot be guessed back
    # from the digest left in the chain.
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{salt}\n{text}".encode()).hexdigest()


def append(session: Session, entry: AuditLog, *, personal: dict[str, Any] | None = None,
           subject_id: int | None = None) -> None:
    """Queue ``entry`` (and the personal fields it names, whose subject is ``subject_id``);
    it is sealed into the chain and written when ``session`` commits, or dropped on rollback."""
    session.connection()  # the entry belongs to a transaction: begun now if none is open yet
    session.info.setdefault(PENDING, []).append((entry, personal or None, subject_id))


def lock_head(session: Session) -> AuditChainHead:
    """The chain head, locked for this transaction (created from the last row if missing)."""
    def locked() -> AuditChainHead | None:
        return session.exec(select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
                            .execution_options(populate_existing=True)).first()

    head = locked()
    if head is None:
        last = session.exec(select(AuditLog.id, AuditLog.row_hash).order_by(col(AuditLog.id).desc())
                            .limit(1)).first()
        values = dict(id=1, last_id=last[0] if last else 0, last_hash=last[1] if last else GENESIS,
                      rows=session.exec(select(func.count()).select_from(AuditLog)).one())
        # Two first writers at once: one inserts, the other's insert does nothing; both go on.
        module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(module.insert(AuditChainHead).values(**values).on_conflict_do_nothing())
        head = locked()
        assert head is not None
    return head


def seal(session: Session) -> int:
    """Write the queued entries as the next links of the chain (flushes); returns how many."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return 0
    head = lock_head(session)
    last_id, last_hash = head.last_id, head.last_hash
    personal_rows = []
    for entry, personal, subject_id in pending:
        last_id += 1
        entry.id = last_id
        entry.created_at = (entry.created_at or utcnow()).astimezone(UTC)
        entry.detail = plain_json(entry.detail or {})
        if personal:
            salt = secrets.token_hex(16)
            personal = plain_json(personal)
            entry.personal_digest = personal_digest(salt, personal)
            personal_rows.append(AuditPersonal(audit_id=last_id, user_id=subject_id, salt=salt, data=personal))
        entry.prev_hash = last_hash
        entry.row_hash = entry_hash(entry)
        last_hash = entry.row_hash
        session.add(entry)
    head.last_id, head.last_hash, head.rows = last_id, last_hash, head.rows + len(pending)
    session.add(head)
    session.flush()  # the entries first: the personal rows point at them
    if personal_rows:
        session.add_all(personal_rows)
        session.flush()
    return len(pending)


def _queue_unsealed(session: OrmSession) -> None:
    # An AuditLog added directly rather than through append() still joins the chain.
    for obj in list(session.new):
        if isinstance(obj, AuditLog) and not obj.row_hash:
            session.expunge(obj)
            session.info.setdefault(PENDING, []).append((obj, None, None))


@event.listens_for(OrmSession, "before_flush")
def _catch_unsealed(session: OrmSession, _context: Any, _instances: Any) -> None:
    _queue_unsealed(session)


@event.listens_for(OrmSession, "before_commit")
def _seal_on_commit(session: OrmSession) -> None:
    _queue_unsealed(session)
    if session.info.get(PENDING):
        seal(session)  # type: ignore[arg-type]


@event.listens_for(OrmSession, "after_soft_rollback")
def _drop_on_rollback(session: OrmSession, _previous: Any) -> None:
    session.info.pop(PENDING, None)


# ---------------------------------------------------------------- verification
@dataclass
class ChainReport:
    """What :func:`verify` found: ``ok`` when every link and the head agree."""

    rows: int = 0
    last_id: int = 0
    last_hash: str = GENESIS
    erased: int = 0  # entries whose personal fields were deleted on request (not a problem)
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    checked_at: datetime = field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    def summary(self) -> str:
        if self.ok:
            return (f"审计链完整：共 {self.rows} 条记录，最后一条 #{self.last_id}，链头哈希 {self.last_hash}"
                    + (f"；其中 {self.erased} 条的个人信息已按申请删除" if self.erased else ""))
        more = f"（另有 {self.more_problems} 处未列出）" if self.more_problems else ""
        return f"审计链校验失败：发现 {len(self.problems) + self.more_problems} 处问题{more}"


def verify(session: Session, *, batch: int = 2000) -> ChainReport:
    """Walk the chain in id order and report every entry whose content, link or personal
    fields do not match, and a head that does not point at the last entry."""
    report = ChainReport()
    prev_hash, prev_id = GENESIS, 0
    after = 0
    while True:
        # Plain rows, not ORM objects: the caller's session keeps nothing of a long walk.
        rows = session.exec(
            select(*_COLUMNS, AuditPersonal.audit_id, AuditPersonal.salt, AuditPersonal.data)
            .join(AuditPersonal, col(AuditPersonal.audit_id) == AuditLog.id, isouter=True)
            .where(col(AuditLog.id) > after).order_by(col(AuditLog.id)).limit(batch)).all()
        if not rows:
            break
        for entry in rows:
            report.rows += 1
            if entry.prev_hash != prev_hash:
                where = f"第 #{prev_id} 条之后" if prev_id else "链的开头"
                report.add(f"#{entry.id}：与前一条记录（{where}）衔接不上——其间有记录被删除、插入或改动")
            if entry.row_hash != entry_hash(entry):
                report.add(f"#{entry.id}：内容与其哈希不符——该记录被修改过")
            if entry.audit_id is not None:
                if entry.personal_digest != personal_digest(entry.salt, entry.data):
                    report.add(f"#{entry.id}：个人信息与记录的摘要不符——被修改过")
            elif entry.personal_digest:
                report.erased += 1
            prev_hash, prev_id = entry.row_hash, entry.id
        after = prev_id
    report.last_id, report.last_hash = prev_id, prev_hash
    head = session.get(AuditChainHead, 1)
    if head is None:
        if report.rows:
            report.add("缺少链头记录（auditchainhead）")
    else:
        if (head.last_id, head.last_hash) != (prev_id, prev_hash):
            report.add(f"链头指向 #{head.last_id}，而最后一条记录是 #{prev_id}——末尾的记录被删除或改动")
        if head.rows != report.rows:
            report.add(f"链头记录了 {head.rows} 条，实际有 {report.rows} 条")
    return report

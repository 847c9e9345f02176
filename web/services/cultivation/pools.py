"""Pools (培育库): staff screen enterprises in by hand or from a filter; leaving keeps the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from models import Organisation, Pool, PoolMember, User
from models.cultivation import PoolKind
from web.presentation.times import default_today
from web.services import audit
from web.services.cultivation import rulesets
from web.services.cultivation.rules import Evaluation, evaluate
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.form_text import required_text

BUILTIN_POOLS: tuple[tuple[str, str, str, str], ...] = (
    ("高企培育库", PoolKind.hitech, rulesets.HITECH, "高新技术企业培育库：按认定条件“缺什么补什么”。"),
    ("新动能企业白名单", PoolKind.whitelist, "瞪羚", "新动能企业白名单：重点企业包联、定期走访。"),
    ("上市挂牌后备企业资源库", PoolKind.listing, rulesets.HITECH, "上市挂牌后备企业：一企一策。"),
)
POOL_KIND_LABELS = {PoolKind.hitech: "高企培育", PoolKind.whitelist: "白名单", PoolKind.listing: "上市后备",
                    PoolKind.custom: "自定义"}
REASON_MAX = 200
# Screening filters: how many of the pool's conditions an enterprise misses (unknown counts as missed).
SCREENS = {"all": "满足全部条件", "one": "仅差一项条件", "more": "差两项及以上", "any": "不限"}


@dataclass(frozen=True)
class MemberRow:
    member: PoolMember
    org: Organisation
    added_by: str
    left_by: str


@dataclass(frozen=True)
class Candidate:
    org: Organisation
    evaluation: Evaluation


def ensure_defaults(engine: Engine) -> None:
    """Install the national 高企 rule set and the plan's three pools if missing (startup). Commits."""
    with Session(engine) as session:
        rulesets.ensure_default_rule_sets(session)
        ensure_builtin_pools(session)
        session.commit()


def ensure_builtin_pools(session: Session) -> None:
    """Create the plan's three pools if missing (flushes only)."""
    for name, kind, qualification, description in BUILTIN_POOLS:
        if session.exec(select(Pool.id).where(Pool.kind == kind)).first() is None:
            session.add(Pool(name=name, kind=kind, qualification=qualification, description=description))
    session.flush()


def list_pools(session: Session) -> list[tuple[Pool, int]]:
    """Every pool with its current member count."""
    ensure_builtin_pools(session)
    pools = session.exec(select(Pool).order_by(col(Pool.id))).all()
    counts: dict[int, int] = {}
    for pool_id in session.exec(select(PoolMember.pool_id).where(col(PoolMember.left_at).is_(None))).all():
        counts[pool_id] = counts.get(pool_id, 0) + 1
    return [(p, counts.get(p.id or 0, 0)) for p in pools]


def get_pool(session: Session, pool_id: int) -> Pool:
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise NotFound("未找到该培育库")
    return pool


def pool_by_kind(session: Session, kind: str) -> Pool:
    ensure_builtin_pools(session)
    return session.exec(select(Pool).where(Pool.kind == kind).order_by(col(Pool.id))).one()


def create_pool(session: Session, *, actor_id: int, values: dict[str, Any]) -> Pool:
    """Define a new pool. Commits."""
    errors: dict[str, str] = {}
    name = required_text(errors, values, "name", "库名称", 50)
    if "name" not in errors and session.exec(select(Pool.id).where(Pool.name == name)).first():
        errors["name"] = "已有同名的库"
    qualification = str(values.get("qualification") or "").strip()
    if qualification not in rulesets.RULE_QUALIFICATIONS:
        errors["qualification"] = "请选择对照的认定条件"
    description = str(values.get("description") or "").strip()
    if len(description) > 500:
        errors["description"] = "说明不能超过500字"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    pool = Pool(name=name, kind=PoolKind.custom, qualification=qualification, description=description,
                created_by=actor_id)
    session.add(pool)
    session.flush()
    audit.record(session, actor_id=actor_id, action="pool.create", object_type="pool", object_id=pool.id,
                 detail={"name": name})
    session.commit()
    return pool


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    real = [i for i in ids if i is not None]
    if not real:
        return {}
    return {u.id or 0: u.display_name or u.username
            for u in session.exec(select(User).where(col(User.id).in_(real))).all()}


def members(session: Session, *, pool_id: int, current: bool = True) -> list[MemberRow]:
    """The pool's members now (``current``) or its whole history, newest first."""
    stmt = (select(PoolMember, Organisation).join(Organisation, col(Organisation.id) == PoolMember.org_id)
            .where(PoolMember.pool_id == pool_id))
    if current:
        stmt = stmt.where(col(PoolMember.left_at).is_(None)).order_by(col(Organisation.name))
    else:
        stmt = stmt.order_by(col(PoolMember.added_at).desc(), col(PoolMember.id).desc())
    rows = session.exec(stmt).all()
    names = _names(session, {m.added_by for m, _ in rows} | {m.left_by for m, _ in rows})
    return [MemberRow(m, o, names.get(m.added_by or 0, "—"), names.get(m.left_by or 0, "—")) for m, o in rows]


def active_membership(session: Session, *, pool_id: int, org_id: int) -> PoolMember | None:
    return session.exec(select(PoolMember).where(PoolMember.pool_id == pool_id, PoolMember.org_id == org_id,
                                                 col(PoolMember.left_at).is_(None))).first()


def memberships_of(session: Session, *, org_id: int) -> list[tuple[PoolMember, Pool]]:
    """Every stay of an enterprise in any pool, current first."""
    rows = session.exec(select(PoolMember, Pool).join(Pool, col(Pool.id) == PoolMember.pool_id)
                        .where(PoolMember.org_id == org_id)
                        .order_by(col(PoolMember.left_at).is_not(None), col(PoolMember.added_at).desc())).all()
    return [(m, p) for m, p in rows]


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValueError("请填写入库理由")
    if len(reason) > REASON_MAX:
        raise ValueError(f"入库理由不能超过{REASON_MAX}字")
    return reason


def add_members(session: Session, *, pool_id: int, org_ids: list[int], actor_id: int, reason: str) -> int:
    """Put enterprises into a pool with who, when and why; all or none. Commits."""
    pool = get_pool(session, pool_id)
    try:
        reason = check_reason(reason)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="reason") from None
    if not org_ids:
        raise ValidationFailed("请至少选择一家企业", field="org_ids")
    for org_id in org_ids:
        org = session.get(Organisation, org_id)
        if org is None or org.kind != "enterprise":
            raise NotFound("未找到该企业")
        if active_membership(session, pool_id=pool_id, org_id=org_id):
            raise Conflict(f"{org.name}已在{pool.name}中")
    for org_id in dict.fromkeys(org_ids):
        session.add(PoolMember(pool_id=pool_id, org_id=org_id, reason=reason, added_by=actor_id))
    audit.record(session, actor_id=actor_id, action="pool.add", object_type="pool", object_id=pool_id,
                 detail={"org_ids": org_ids[:200], "reason": reason})
    session.commit()
    return len(set(org_ids))


def remove_member(session: Session, *, pool_id: int, org_id: int, actor_id: int, reason: str) -> None:
    """Take an enterprise out of a pool; its stay stays on record. Commits."""
    member = active_membership(session, pool_id=pool_id, org_id=org_id)
    if member is None:
        raise NotFound("该企业不在此库中")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请填写出库原因", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"出库原因不能超过{REASON_MAX}字", field="reason")
    member.left_at, member.left_by, member.left_reason = datetime.now(UTC), actor_id, reason
    session.add(member)
    audit.record(session, actor_id=actor_id, action="pool.remove", object_type="pool", object_id=pool_id,
                 detail={"org_id": org_id, "reason": reason})
    session.commit()


def screen(session: Session, *, pool_id: int, misses: str = "one", as_of: date | None = None,
           limit: int = 200) -> list[Candidate]:
    """Enterprises not yet in the pool, checked against its qualification's rules and filtered
    by how many conditions they miss ("one": meets all but one)."""
    pool = get_pool(session, pool_id)
    as_of = as_of or default_today()
    view = rulesets.rule_set_for(session, qualification=pool.qualification, year=as_of.year)
    if view is None:
        return []
    inside = set(session.exec(select(PoolMember.org_id).where(PoolMember.pool_id == pool_id,
                                                              col(PoolMember.left_at).is_(None))).all())
    out = []
    for org in session.exec(select(Organisation).where(Organisation.kind == "enterprise")
                            .order_by(col(Organisation.name))).all():
        if org.id in inside:
            continue
        ev = evaluate(view.rule_set, view.rules, org, as_of=as_of)
        if (misses == "all" and ev.misses == 0) or (misses == "one" and ev.misses == 1) \
                or (misses == "more" and ev.misses >= 2) or misses == "any":
            out.append(Candidate(org, ev))
            if len(out) >= limit:
                break
    return out

"""一企一策 for the listing pool (上市挂牌后备企业): a plan of steps per enterprise, each with owner,
due date and status, and beside each step the offers (券商, 律所, 会计所 …) the matcher ranks for it."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models import ListingStep, Organisation
from models.cultivation import PoolKind, StepStatus
from web.presentation.times import default_today
from web.services import audit, dictionaries
from web.services.cultivation import gaps, pools
from web.services.errors import NotFound, ValidationFailed
from web.services.form_text import required_text
from web.services.matching.index import IndexHolder

STEP_STATUS = {StepStatus.todo: "未开始", StepStatus.doing: "进行中", StepStatus.done: "已完成"}
# The usual road to a listing, with the words each step is matched by (the step's name and
# note are matched too, so a step staff name themselves still finds its services).
STANDARD_STEPS: dict[str, str] = {
    "股份制改造": "股改 股份制改造 净资产折股 审计 评估 律师 法律意见 公司治理",
    "财务规范": "财务规范 审计 会计师事务所 内部控制 税务合规",
    "辅导备案": "上市辅导 辅导备案 证券公司 券商 保荐",
    "申报": "IPO 申报 挂牌 新三板 区域性股权市场 券商 律师事务所 会计师事务所",
    "股权融资": "股权融资 私募 投贷联动 科技金融 估值",
}
NAME_MAX, OWNER_MAX, NOTE_MAX = 50, 50, 500


@dataclass(frozen=True)
class PlannedStep:
    step: ListingStep
    offers: list[gaps.OfferHit]

    def overdue(self, today: date) -> bool:
        return self.step.status != StepStatus.done and self.step.due_on < today


@dataclass(frozen=True)
class Plan:
    org: Organisation
    steps: list[PlannedStep]

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.step.status == StepStatus.done)


def _listed(session: Session, org_id: int) -> Organisation:
    pool = pools.pool_by_kind(session, PoolKind.listing)
    if pools.active_membership(session, pool_id=pool.id or 0, org_id=org_id) is None:
        raise NotFound("该企业不在上市挂牌后备企业资源库中")
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("未找到该企业")
    return org


def step_text(step: ListingStep) -> str:
    return " ".join([step.name, STANDARD_STEPS.get(step.name, ""), step.note])


def plan(session: Session, holder: IndexHolder, *, org_id: int) -> Plan:
    """The enterprise's steps in order, each with the offers ranked for it."""
    org = _listed(session, org_id)
    steps = session.exec(select(ListingStep).where(ListingStep.org_id == org_id)
                         .order_by(col(ListingStep.due_on), col(ListingStep.position), col(ListingStep.id))).all()
    return Plan(org, [PlannedStep(s, gaps.offers_for(session, holder, gaps.text_posting(
        f"step-{s.id}", step_text(s), category=s.category, region=org.region), top=3)) for s in steps])


def progress(session: Session, *, today: date | None = None) -> list[tuple[Organisation, int, int, int]]:
    """Each listing-pool enterprise with its steps: total, done, overdue (as of ``today``)."""
    pool = pools.pool_by_kind(session, PoolKind.listing)
    today = today or default_today()
    out = []
    for row in pools.members(session, pool_id=pool.id or 0):
        steps = session.exec(select(ListingStep).where(ListingStep.org_id == row.org.id)).all()
        out.append((row.org, len(steps), sum(s.status == StepStatus.done for s in steps),
                    sum(s.status != StepStatus.done and s.due_on < today for s in steps)))
    return out


def _clean(values: dict[str, Any], *, categories: Container[str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = required_text(errors, values, "name", "步骤名称", NAME_MAX)
    owner = required_text(errors, values, "owner", "责任人", OWNER_MAX)
    due_on = None
    try:
        due_on = date.fromisoformat(str(values.get("due_on") or "").strip())
    except ValueError:
        errors["due_on"] = "请填写完成期限（YYYY-MM-DD）"
    if due_on is not None and due_on.year < 2000:
        errors["due_on"] = "完成期限不能早于2000年"
    status = str(values.get("status") or StepStatus.todo).strip()
    if status not in STEP_STATUS:
        errors["status"] = "请选择状态"
    category = str(values.get("category") or "上市辅导").strip()
    if category not in categories:  # the active 字典管理 categories (on edit, plus the step's own)
        errors["category"] = "请选择平台服务类别中的一项"
    note = str(values.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"说明不能超过{NOTE_MAX}字"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return {"name": name, "owner": owner, "due_on": due_on, "status": status, "category": category, "note": note}


def save_step(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any],
              step_id: int | None = None) -> ListingStep:
    """Add a step to the enterprise's plan, or change one. Commits."""
    _listed(session, org_id)
    found = None
    if step_id is not None:
        found = session.get(ListingStep, step_id)
        if found is None or found.org_id != org_id:
            raise NotFound("未找到该步骤")
    categories = {code for code, _ in dictionaries.options(session, "category")}
    clean = _clean(values, categories=categories | ({found.category} if found is not None else set()))
    if found is None:
        last = session.exec(select(ListingStep.position).where(ListingStep.org_id == org_id)
                            .order_by(col(ListingStep.position).desc())).first()
        step = ListingStep(org_id=org_id, position=(last or 0) + 1, **clean)
    else:
        step = found
        for k, v in clean.items():
            setattr(step, k, v)
    step.updated_by, step.updated_at = actor_id, datetime.now(UTC)
    session.add(step)
    session.flush()
    audit.record(session, actor_id=actor_id, action="listing.step", object_type="organisation", object_id=org_id,
                 detail={"step_id": step.id, "name": step.name, "status": step.status})
    session.commit()
    return step

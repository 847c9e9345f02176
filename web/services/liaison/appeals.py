"""诉求: what a key enterprise asks of the government, followed to closure with every step recorded.

Staff record a 诉求 with its category, responsible department (责任部门) and deadline; each step
(accepted, in progress, handed over, closed) is kept. The enterprise sees its own 诉求, their
status and the steps staff chose to share; never another enterprise's, never staff notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models import Appeal, AppealStep, Organisation, User
from models.liaison import AppealStatus
from web.presentation.times import default_today
from web.services import audit, notifications
from web.services.errors import InvalidTransition, NotFound, ValidationFailed
from web.services.form_text import required_text
from web.services.liaison.assignments import enterprise
from web.services.notifications import Target

CATEGORIES = ("政策咨询", "资金申报", "融资需求", "人才引进", "用地厂房", "审批手续", "市场拓展", "科技创新", "其他")
DEPARTMENTS = ("区科技局", "区发展改革委", "区工业和信息化局", "区商务局", "区人力资源和社会保障局",
               "区市场监管局", "区住房和建设委员会", "区规划和自然资源分局", "区生态环境局", "区金融工作局",
               "区税务局", "所在街道", "其他部门")
A = AppealStatus
STATUS_LABELS = {A.open: "已受理", A.processing: "办理中", A.closed: "已办结"}
# Steps a 诉求 may take; a note on the same status is a progress record.
MOVES: dict[AppealStatus, set[AppealStatus]] = {
    A.open: {A.open, A.processing, A.closed}, A.processing: {A.processing, A.closed}, A.closed: set()}
DESCRIPTION_MAX, NOTE_MAX = 2000, 500


@dataclass(frozen=True)
class AppealRow:
    appeal: Appeal
    org: Organisation

    def overdue(self, today: date) -> bool:
        return self.appeal.status != A.closed and self.appeal.deadline < today


@dataclass(frozen=True)
class StepRow:
    step: AppealStep
    actor: str


def _check(values: dict[str, Any], today: date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    category = str(values.get("category") or "").strip()
    if category not in CATEGORIES:
        errors["category"] = "请选择诉求类别"
    description = required_text(errors, values, "description", "诉求内容", DESCRIPTION_MAX)
    department = str(values.get("department") or "").strip()
    if not department:
        errors["department"] = "请选择责任部门：诉求须有部门负责办理"
    elif department not in DEPARTMENTS:
        errors["department"] = "请从列表中选择责任部门"
    deadline = None
    raw = str(values.get("deadline") or "").strip()
    try:
        deadline = date.fromisoformat(raw)
    except ValueError:
        errors["deadline"] = "请填写办结时限（YYYY-MM-DD）" if not raw else "办结时限格式应为 YYYY-MM-DD"
    if deadline is not None and deadline < today:
        errors["deadline"] = "办结时限不能早于今天"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return {"category": category, "description": description, "department": department, "deadline": deadline}


def raise_appeal(session: Session, *, org_id: int, actor_id: int, values: dict[str, Any],
                 today: date | None = None) -> Appeal:
    """Record a 诉求 the enterprise raised; the enterprise is told it was accepted. Commits."""
    enterprise(session, org_id)
    clean = _check(values, today or default_today())
    appeal = Appeal(org_id=org_id, created_by=actor_id, **clean)
    session.add(appeal)
    session.flush()
    session.add(AppealStep(appeal_id=appeal.id or 0, actor_id=actor_id, to_status=A.open, shared=True,
                           note=f"已受理，由{clean['department']}负责，办结时限 {clean['deadline']}"))
    notifications.notify(session, org_id=org_id, kind="system", title=f"您的诉求已受理（{clean['category']}）",
                         body=f"责任部门：{clean['department']}；办结时限：{clean['deadline']}",
                         target=Target("appeal", appeal.id or 0))
    audit.record(session, actor_id=actor_id, action="appeal.create", object_type="appeal", object_id=appeal.id,
                 detail={"org_id": org_id, "department": clean["department"]})
    session.commit()
    return appeal


def get_appeal(session: Session, appeal_id: int, *, org_id: int | None = None) -> Appeal:
    """A 诉求 by id; with ``org_id`` only that enterprise's (another's is NotFound)."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or (org_id is not None and appeal.org_id != org_id):
        raise NotFound("未找到该诉求")
    return appeal


def add_step(session: Session, *, appeal_id: int, actor_id: int, values: dict[str, Any]) -> AppealStep:
    """Move a 诉求 on (or note progress); closing needs the outcome written. Commits."""
    appeal = get_appeal(session, appeal_id)
    to = str(values.get("to_status") or appeal.status).strip()
    if to not in STATUS_LABELS:
        raise ValidationFailed("请选择办理状态", field="to_status")
    if to not in MOVES[appeal.status]:
        raise InvalidTransition("该诉求已办结，不能再变更；如有新情况请另行登记诉求"
                                if appeal.status == A.closed else "办理状态不能回退")
    note = str(values.get("note") or "").strip()
    if not note:
        raise ValidationFailed("请填写办结情况" if to == A.closed else "请填写办理情况", field="note")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"办理情况不能超过{NOTE_MAX}字", field="note")
    shared = to == A.closed or str(values.get("shared", "")).lower() in ("1", "on", "true", "yes")
    step = AppealStep(appeal_id=appeal_id, actor_id=actor_id, from_status=appeal.status, to_status=to,
                      note=note, shared=shared)
    session.add(step)
    if to != appeal.status:
        appeal.status = to
        appeal.closed_at = datetime.now(UTC) if to == A.closed else None
        session.add(appeal)
        notifications.notify(session, org_id=appeal.org_id, kind="system",
                             title=f"您的诉求{STATUS_LABELS[to]}（{appeal.category}）",
                             body=note if shared else "", target=Target("appeal", appeal_id))
    session.flush()
    audit.record(session, actor_id=actor_id, action="appeal.step", object_type="appeal", object_id=appeal_id,
                 detail={"from": step.from_status, "to": to})
    session.commit()
    return step


def steps_of(session: Session, *, appeal_id: int, shared_only: bool = False) -> list[StepRow]:
    stmt = (select(AppealStep, User).join(User, col(User.id) == AppealStep.actor_id, isouter=True)
            .where(AppealStep.appeal_id == appeal_id))
    if shared_only:
        stmt = stmt.where(col(AppealStep.shared).is_(True))
    rows = session.exec(stmt.order_by(col(AppealStep.created_at), col(AppealStep.id))).all()
    return [StepRow(s, (u.display_name or u.username) if u else "系统") for s, u in rows]


def list_appeals(session: Session, *, org_id: int | None = None, open_only: bool = False) -> list[AppealRow]:
    """诉求, newest first; ``org_id`` limits them to one enterprise."""
    stmt = select(Appeal, Organisation).join(Organisation, col(Organisation.id) == Appeal.org_id)
    if org_id is not None:
        stmt = stmt.where(Appeal.org_id == org_id)
    if open_only:
        stmt = stmt.where(Appeal.status != A.closed)
    rows = session.exec(stmt.order_by(col(Appeal.created_at).desc(), col(Appeal.id).desc())).all()
    return [AppealRow(a, o) for a, o in rows]


def enterprise_view(session: Session, *, org_id: int) -> list[tuple[Appeal, list[StepRow]]]:
    """What an enterprise sees: its own 诉求 with the shared steps only."""
    return [(r.appeal, steps_of(session, appeal_id=r.appeal.id or 0, shared_only=True))
            for r in list_appeals(session, org_id=org_id)]

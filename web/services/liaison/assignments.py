"""Who looks after a key enterprise (包联): one lead and any number of helpers, all staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from models import LiaisonAssignment, Organisation, User
from web.services import audit
from web.services.errors import Conflict, NotFound, ValidationFailed

ROLE_LABELS = {"lead": "包联责任人", "helper": "协助人"}


@dataclass(frozen=True)
class AssignmentRow:
    assignment: LiaisonAssignment
    user: User

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.assignment.role, self.assignment.role)


def enterprise(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None or org.kind != "enterprise":
        raise NotFound("未找到该企业")
    return org


def current(session: Session, *, org_id: int) -> list[AssignmentRow]:
    """The enterprise's assigned staff now, lead first."""
    rows = session.exec(select(LiaisonAssignment, User).join(User, col(User.id) == LiaisonAssignment.user_id)
                        .where(LiaisonAssignment.org_id == org_id, col(LiaisonAssignment.ended_at).is_(None))
                        .order_by(col(LiaisonAssignment.role).desc(), col(LiaisonAssignment.id))).all()
    return [AssignmentRow(a, u) for a, u in rows]


def assignable_staff(session: Session) -> list[User]:
    return list(session.exec(select(User).where(User.role == "staff", col(User.is_active).is_(True))
                             .order_by(col(User.display_name), col(User.id))).all())


def assign(session: Session, *, org_id: int, user_id: int, role: str, actor_id: int) -> LiaisonAssignment:
    """Assign a staff member; a new lead replaces the old one (whose stint ends). Commits."""
    enterprise(session, org_id)
    if role not in ROLE_LABELS:
        raise ValidationFailed("请选择包联责任人或协助人", field="role")
    user = session.get(User, user_id)
    if user is None or user.role != "staff" or not user.is_active:
        raise ValidationFailed("只能指派在职的服务专员", field="user_id")
    now = datetime.now(UTC)
    for row in current(session, org_id=org_id):
        if row.user.id == user_id and row.assignment.role == role:
            raise Conflict(f"{user.display_name or user.username}已是该企业的{ROLE_LABELS[role]}")
        if row.user.id == user_id or (role == "lead" and row.assignment.role == "lead"):
            row.assignment.ended_at = now
            session.add(row.assignment)
    a = LiaisonAssignment(org_id=org_id, user_id=user_id, role=role, assigned_by=actor_id)
    session.add(a)
    session.flush()
    audit.record(session, actor_id=actor_id, action="liaison.assign", object_type="organisation", object_id=org_id,
                 detail={"user_id": user_id, "role": role})
    session.commit()
    return a


def end(session: Session, *, org_id: int, assignment_id: int, actor_id: int) -> None:
    """End one assignment (it stays on record). Commits."""
    a = session.get(LiaisonAssignment, assignment_id)
    if a is None or a.org_id != org_id or a.ended_at is not None:
        raise NotFound("未找到该包联安排")
    a.ended_at = datetime.now(UTC)
    session.add(a)
    audit.record(session, actor_id=actor_id, action="liaison.end", object_type="organisation", object_id=org_id,
                 detail={"user_id": a.user_id, "role": a.role})
    session.commit()

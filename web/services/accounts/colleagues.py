"""An organisation's own administrator invites and disables colleagues of the same organisation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from models import User
from web.services import audit
from web.services.accounts import auth, sessions
from web.services.accounts.users import one_time_password
from web.services.errors import Conflict, Forbidden, NotFound, ValidationFailed


@dataclass(frozen=True)
class Invitation:
    user: User
    one_time_password: str


def _org_admin(session: Session, actor_id: int) -> User:
    actor = session.get(User, actor_id)
    if actor is None or actor.org_id is None or not actor.is_org_admin:
        raise Forbidden("只有本机构的管理员账号可以管理同事账号")
    return actor


def list_colleagues(session: Session, *, actor_id: int) -> list[User]:
    """Every account of the actor's organisation (the actor must administer it)."""
    actor = _org_admin(session, actor_id)
    return list(session.exec(select(User).where(User.org_id == actor.org_id).order_by(col(User.id))).all())


def invite_colleague(session: Session, *, actor_id: int, username: str, display_name: str) -> Invitation:
    """Open an account in the actor's organisation with a one-time password. Commits."""
    actor = _org_admin(session, actor_id)
    if len(display_name.strip()) > 50:
        raise ValidationFailed("姓名不能超过50个字", field="display_name")
    password = one_time_password(username.strip())
    user = auth.create_user(session, username=username, password=password, role=actor.role,
                            display_name=display_name.strip(), org_id=actor.org_id,
                            must_change_password=True)
    audit.record(session, actor_id=actor.id, action="user.invite", object_type="user", object_id=user.id,
                 detail={"username": user.username, "org_id": actor.org_id})
    session.commit()
    return Invitation(user, password)


def set_colleague_active(session: Session, *, actor_id: int, user_id: int, active: bool) -> User:
    """Enable or disable a colleague's account (disabling ends their sessions). Commits."""
    actor = _org_admin(session, actor_id)
    user = session.get(User, user_id)
    if user is None or user.org_id != actor.org_id:
        raise NotFound("未找到该账号")  # another organisation's account does not exist for this actor
    if user.id == actor.id:
        raise Conflict("不能停用自己的账号")
    if user.is_active != active:
        user.is_active = active
        session.add(user)
        if not active:
            sessions.end_user_sessions(session, user_id=user.id)
        audit.record(session, actor_id=actor.id, action="user.enable" if active else "user.disable",
                     object_type="user", object_id=user.id)
        session.commit()
    return user

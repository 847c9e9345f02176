"""Personal data (个人信息保护法): what the platform holds about a person, its correction, and its
deletion on request.

A person sees their account (name, username, role), their organisation's contact fields when
they are its contact person, their login records, and how many audit entries name them; they
correct their name and contact fields, download all of it, and ask for deletion. Staff or an
administrator carries a request out (or refuses it with a reason). Deletion anonymises the
account (it can no longer log in), clears the contact fields, strips names and addresses from
the login records, and erases the personal fields kept beside audit entries: the entries
themselves stay, so the audit trail keeps what happened without whom it happened to.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from models import (
    AuditLog,
    AuditPersonal,
    IdempotencyKey,
    LoginAttempt,
    Notification,
    Organisation,
    PrivacyRequest,
    User,
    UserSession,
)
from models.privacy import RequestStatus
from web.security import throttle
from web.services import audit, notifications
from web.services.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from web.services.organisations import records

ERASED_NAME = "已注销用户"
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "share_contacts")
REQUESTING_ROLES = ("enterprise", "provider")  # an organisation's contact persons


@dataclass(frozen=True)
class PersonalData:
    user: User
    org: Organisation | None
    holds_contacts: bool  # the organisation's contact fields are this person's
    logins: list[LoginAttempt]
    login_total: int
    sessions_active: int
    audit_entries: int  # entries this person is the actor of
    audit_personal: int  # entries keeping this person's name or address beside them
    requests: list[PrivacyRequest]

    @property
    def pending(self) -> PrivacyRequest | None:
        return next((r for r in self.requests if r.status == RequestStatus.pending), None)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该账号")
    return user


def _holds_contacts(session: Session, user: User, org: Organisation | None) -> bool:
    """The organisation's contact fields belong to this person: they are named as the contact,
    or they are the organisation's only account."""
    if org is None:
        return False
    if org.contact_name and org.contact_name == user.display_name:
        return True
    accounts = session.exec(select(func.count()).select_from(User).where(User.org_id == org.id)).one()
    return accounts == 1


def personal_data(session: Session, *, user_id: int, login_rows: int = 20) -> PersonalData:
    """Everything the platform holds about this person, for their 个人信息 page."""
    user = _user(session, user_id)
    org = session.get(Organisation, user.org_id) if user.org_id else None
    name = user.username.lower()
    logins = list(session.exec(select(LoginAttempt).where(LoginAttempt.username == name)
                               .order_by(col(LoginAttempt.created_at).desc()).limit(login_rows)).all())
    now = datetime.now(UTC)
    return PersonalData(
        user=user, org=org, holds_contacts=_holds_contacts(session, user, org), logins=logins,
        login_total=session.exec(select(func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.username == name)).one(),
        sessions_active=session.exec(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == user_id, col(UserSession.revoked_at).is_(None),
            UserSession.expires_at > now)).one(),
        audit_entries=session.exec(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.actor_id == user_id)).one(),
        audit_personal=session.exec(select(func.count()).select_from(AuditPersonal)
                                    .where(AuditPersonal.user_id == user_id)).one(),
        requests=list(session.exec(select(PrivacyRequest).where(PrivacyRequest.user_id == user_id)
                                   .order_by(col(PrivacyRequest.id).desc())).all()),
    )


def export_personal_data(session: Session, *, user_id: int) -> dict[str, Any]:
    """A copy of this person's data as plain JSON values (个人信息保护法 第四十五条)."""
    data = personal_data(session, user_id=user_id, login_rows=1000)
    u, org = data.user, data.org
    personal = session.exec(select(AuditPersonal, AuditLog).join(AuditLog, col(AuditLog.id) == AuditPersonal.audit_id)
                            .where(AuditPersonal.user_id == user_id).order_by(col(AuditLog.id))).all()
    return {
        "account": {"username": u.username, "display_name": u.display_name, "role": u.role,
                    "created_at": u.created_at.isoformat(),
                    "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None},
        "organisation_contact": ({"organisation": org.name, "contact_name": org.contact_name,
                                  "contact_phone": org.contact_phone, "contact_email": org.contact_email,
                                  "share_contacts": org.share_contacts}
                                 if org is not None and data.holds_contacts else None),
        "login_records": [{"at": a.created_at.isoformat(), "ip": a.ip, "success": a.success}
                          for a in data.logins],
        "audit_entries_as_actor": data.audit_entries,
        "audit_personal_fields": [{"audit_id": p.audit_id, "action": e.action, "at": e.created_at.isoformat(),
                                   **p.data} for p, e in personal],
        "requests": [{"id": r.id, "status": r.status, "created_at": r.created_at.isoformat(),
                      "answer": r.answer} for r in data.requests],
    }


def correct_name(session: Session, *, user_id: int, display_name: str) -> User:
    """Correct the person's own name (姓名). Commits."""
    user = _user(session, user_id)
    name = unicodedata.normalize("NFC", str(display_name or "")).strip()
    if not name:
        raise ValidationFailed("请填写姓名", field="display_name")
    if len(name) > 50:
        raise ValidationFailed("姓名不能超过50个字", field="display_name")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise ValidationFailed("姓名含有控制字符或不可见字符", field="display_name")
    if name != user.display_name:
        org = session.get(Organisation, user.org_id) if user.org_id else None
        if org is not None and org.contact_name == user.display_name:
            org.contact_name = name  # the same person, named the same in both places
            session.add(org)
        user.display_name = name
        session.add(user)
        audit.record(session, actor_id=user_id, action="privacy.correct", object_type="user",
                     object_id=user_id, detail={"fields": ["display_name"]})
    session.commit()
    return user


def correct_contacts(session: Session, *, user_id: int, values: dict[str, Any]) -> Organisation:
    """Correct the organisation's contact fields (the person's own contact details). Commits."""
    user = _user(session, user_id)
    if user.org_id is None:
        raise Forbidden("您的账号不属于任何机构，没有联系人信息")
    sent = {k: values.get(k) for k in CONTACT_FIELDS if k in values}
    return records.patch_profile(session, org_id=user.org_id, actor_id=user_id, values=sent)


def request_erasure(session: Session, *, user_id: int, reason: str = "") -> PrivacyRequest:
    """Ask for the deletion of one's personal data; staff are told. Commits."""
    user = _user(session, user_id)
    if user.role not in REQUESTING_ROLES:
        raise Forbidden("工作人员账号的个人信息删除请联系系统管理员办理")
    reason = str(reason or "").strip()
    if len(reason) > 500:
        raise ValidationFailed("说明不能超过500个字", field="reason")
    if session.exec(select(PrivacyRequest.id).where(PrivacyRequest.user_id == user_id,
                                                   PrivacyRequest.status == RequestStatus.pending)).first():
        raise Conflict("您已有一项待处理的删除申请，请等待处理结果")
    req = PrivacyRequest(user_id=user_id, reason=reason)
    session.add(req)
    session.flush()
    audit.record(session, actor_id=user_id, action="privacy.request", object_type="privacy_request",
                 object_id=req.id)
    notifications.notify_staff(session, kind="privacy", title=f"个人信息删除申请 #{req.id}",
                               body="有用户申请删除其个人信息，请在「个人信息申请」页面处理。",
                               dedupe_key=f"privacy:{req.id}")
    session.commit()
    return req


def list_requests(session: Session, *, status: RequestStatus | None = None
                  ) -> list[tuple[PrivacyRequest, User, Organisation | None]]:
    """Requests with their person and organisation, pending first, newest first."""
    stmt = (select(PrivacyRequest, User, Organisation)
            .join(User, col(User.id) == PrivacyRequest.user_id)
            .join(Organisation, col(Organisation.id) == User.org_id, isouter=True))
    if status:
        stmt = stmt.where(PrivacyRequest.status == status)
    stmt = stmt.order_by((col(PrivacyRequest.status) == RequestStatus.pending).desc(),
                         col(PrivacyRequest.id).desc())
    return [tuple(row) for row in session.exec(stmt).all()]  # type: ignore[misc]


def _pending(session: Session, request_id: int, actor_id: int) -> PrivacyRequest:
    req = session.exec(select(PrivacyRequest).where(PrivacyRequest.id == request_id).with_for_update()
                       .execution_options(populate_existing=True)).first()
    if req is None:
        raise NotFound("未找到该申请")
    if req.status != RequestStatus.pending:
        raise InvalidTransition("该申请已处理")
    if req.user_id == actor_id:
        raise Forbidden("不能处理本人的申请")
    return req


@dataclass(frozen=True)
class Erased:
    user_id: int
    login_records: int
    audit_personal: int
    sessions: int
    contacts_cleared: bool


def erase(session: Session, *, request_id: int, actor_id: int) -> Erased:
    """Carry out a deletion request: anonymise the account, clear the contact fields, strip
    the login records and the personal fields beside audit entries. Commits."""
    req = _pending(session, request_id, actor_id)
    user = _user(session, req.user_id)
    old_name = user.username.lower()
    org = session.get(Organisation, user.org_id) if user.org_id else None
    contacts = _holds_contacts(session, user, org)
    pseudonym = f"erased-{user.id}"
    if org is not None and contacts:
        org.contact_name = org.contact_phone = org.contact_email = None
        org.share_contacts = False
        org.updated_at = datetime.now(UTC)
        session.add(org)
    user.username, user.display_name = pseudonym, ERASED_NAME
    user.password_hash = "!erased"  # no password verifies against it
    user.is_active, user.last_login_at = False, None
    session.add(user)
    sessions = session.execute(delete(UserSession).where(col(UserSession.user_id) == user.id)).rowcount
    # The login log (kept 180 days) keeps when and whether, not who or from where.
    logins = session.execute(update(LoginAttempt).where(col(LoginAttempt.username) == old_name)
                             .values(username=pseudonym, ip="")).rowcount
    throttle.clear_account(session, username=old_name)
    personal = session.execute(delete(AuditPersonal).where(col(AuditPersonal.user_id) == user.id)).rowcount
    session.execute(delete(Notification).where(col(Notification.user_id) == user.id))
    # Stored answers of the person's writes may repeat what they sent (their contact details).
    session.execute(delete(IdempotencyKey).where(col(IdempotencyKey.user_id) == user.id))
    session.execute(update(PrivacyRequest).where(col(PrivacyRequest.user_id) == user.id).values(reason=""))
    req.status, req.handled_by, req.handled_at = RequestStatus.done, actor_id, datetime.now(UTC)
    req.reason, req.answer = "", "已删除"
    session.add(req)
    assert user.id is not None
    done = Erased(user_id=user.id, login_records=logins, audit_personal=personal, sessions=sessions,
                  contacts_cleared=contacts)
    audit.record(session, actor_id=actor_id, action="privacy.erase", object_type="user", object_id=user.id,
                 detail={"request_id": req.id, "login_records": logins, "audit_personal": personal,
                         "sessions": sessions, "contacts_cleared": contacts})
    session.commit()
    return done


def reject(session: Session, *, request_id: int, actor_id: int, answer: str) -> PrivacyRequest:
    """Refuse a deletion request, saying why (e.g. a law requires keeping the data). Commits."""
    answer = str(answer or "").strip()
    if not answer:
        raise ValidationFailed("请说明不予删除的理由", field="answer")
    if len(answer) > 500:
        raise ValidationFailed("理由不能超过500个字", field="answer")
    req = _pending(session, request_id, actor_id)
    req.status, req.handled_by, req.handled_at, req.answer = (RequestStatus.rejected, actor_id,
                                                              datetime.now(UTC), answer)
    session.add(req)
    audit.record(session, actor_id=actor_id, action="privacy.reject", object_type="privacy_request",
                 object_id=req.id, detail={"reason": answer})
    notifications.notify(session, user_id=req.user_id, kind="privacy", title="您的个人信息删除申请未予办理",
                         body=f"理由：{answer}")
    session.commit()
    return req

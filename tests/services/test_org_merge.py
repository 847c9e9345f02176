"""Organisations: merge two records of one enterprise, or deactivate one, losing nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from models import (
    AuditLog,
    Contract,
    Match,
    Need,
    Notification,
    Offer,
    Organisation,
    Qualification,
    RelatedParty,
    User,
)
from tests.factories import (
    make_match,
    make_need,
    make_offer,
    make_org,
    make_proposal,
    make_qualification,
    make_signed_contract,
    make_user,
)
from web.services.accounts import auth
from web.services.errors import Conflict, ValidationFailed
from web.services.organisations import merge


def _count(session: Session, model: type, *where: object) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_merge_moves_everything_and_keeps_the_old_record(session: Session) -> None:
    staff = make_user(session, role="staff")
    dup, keep = make_org(session, name="滨海重复注册有限公司"), make_org(session, name="滨海科技有限公司")
    other = make_org(session, kind="university")
    dup_user = make_user(session, role="enterprise", org=dup, is_org_admin=True)
    need = make_need(session, org=dup)
    match = make_match(session, need=need, offer=make_offer(session, org=other), status="contracted")
    contract = make_signed_contract(session, match=match)
    make_qualification(session, org=dup, kind="雏鹰", year_granted=2021)
    make_qualification(session, org=dup, kind="高新技术企业", year_granted=2021)
    make_qualification(session, org=keep, kind="高新技术企业", year_granted=2021)  # recorded on both
    session.add(RelatedParty(org_id=dup.id, related_org_id=other.id, relation="股东"))
    session.add(RelatedParty(org_id=dup.id, related_org_id=keep.id, relation="同一企业"))
    session.add(Notification(org_id=dup.id, kind="system", title="旧消息"))
    session.commit()
    audit_before = _count(session, AuditLog, AuditLog.object_id == dup.id)

    result = merge.merge(session, actor_id=staff.id, source_id=dup.id, target_id=keep.id, note="重复注册")
    assert result.moved == {"needs": 1, "offers": 0, "users": 1, "qualifications": 1, "notifications": 1,
                            "related_parties": 1}
    session.expire_all()
    assert session.get(Need, need.id).org_id == keep.id
    moved_match = session.get(Match, match.id)
    assert moved_match.status == "contracted" and (moved_match.need_org_id, moved_match.offer_org_id) == (keep.id, other.id)
    assert session.get(Contract, contract.id).match_id == match.id
    moved_user = session.get(User, dup_user.id)
    assert moved_user.org_id == keep.id and moved_user.is_active and not moved_user.is_org_admin
    assert _count(session, Qualification, Qualification.org_id == keep.id) == 2
    assert _count(session, RelatedParty) == 1  # the self-relation is gone, the shareholder kept
    old = session.get(Organisation, dup.id)
    assert old.merged_into_id == keep.id and old.deactivated_at is not None and "重复注册" in old.deactivation_note
    assert _count(session, AuditLog, AuditLog.object_id == dup.id, AuditLog.object_type == "organisation") >= 1
    assert _count(session, AuditLog, AuditLog.object_id == dup.id) >= audit_before
    with pytest.raises(Conflict, match="已合并"):
        merge.merge(session, actor_id=staff.id, source_id=dup.id, target_id=keep.id, note="再来")
    with pytest.raises(Conflict, match="已合并的机构不能恢复"):
        merge.reactivate(session, actor_id=staff.id, org_id=dup.id)


def test_merge_refusals_change_nothing(session: Session) -> None:
    staff = make_user(session, role="staff")
    ent, uni = make_org(session), make_org(session, kind="university")
    bank = make_org(session, kind="financial")
    need = make_need(session, org=ent)
    for kwargs, error in (({"source_id": ent.id, "target_id": uni.id, "note": "x"}, "同为企业"),
                          ({"source_id": ent.id, "target_id": ent.id, "note": "x"}, "自己"),
                          ({"source_id": ent.id, "target_id": ent.id + 1000, "note": "x"}, "未找到"),
                          ({"source_id": uni.id, "target_id": bank.id, "note": ""}, "请填写原因")):
        with pytest.raises((ValidationFailed, Exception), match=error):
            merge.merge(session, actor_id=staff.id, **kwargs)
    session.expire_all()
    assert session.get(Need, need.id).org_id == ent.id
    assert all(o.merged_into_id is None for o in session.exec(select(Organisation)))
    # providers of different kinds may be one organisation recorded twice
    merge.merge(session, actor_id=staff.id, source_id=uni.id, target_id=bank.id, note="同一机构")


def test_deactivate_closes_postings_ends_logins_and_keeps_records(session: Session) -> None:
    staff = make_user(session, role="staff")
    org = make_org(session, kind="intermediary")
    member = make_user(session, role="provider", org=org)
    live = auth.login(session, username=member.username, password="Passw0rd-test")
    offer = make_offer(session, org=org)
    proposal = make_proposal(session, offer=offer)
    with pytest.raises(ValidationFailed, match="请填写原因"):
        merge.deactivate(session, actor_id=staff.id, org_id=org.id, note=" ")
    assert merge.deactivate(session, actor_id=staff.id, org_id=org.id, note="机构已注销") == 1
    session.expire_all()
    assert session.get(Offer, offer.id).status == "withdrawn"
    assert session.get(Match, proposal.id).status == "withdrawn"
    assert not session.get(User, member.id).is_active
    assert auth.session_for_token(session, live.token) is None
    with pytest.raises(Conflict, match="已停用"):
        merge.deactivate(session, actor_id=staff.id, org_id=org.id, note="again")
    merge.reactivate(session, actor_id=staff.id, org_id=org.id)
    session.expire_all()
    assert session.get(User, member.id).is_active and session.get(Organisation, org.id).deactivated_at is None
    assert session.get(Offer, offer.id).status == "withdrawn"  # reopening is the provider's own decision

"""字典管理: edits with history, retire instead of delete, stored rows and the matcher unaffected."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, func, select

from models import AuditLog, DictChange, Match, Need
from tests.factories import make_match, make_need, make_offer, make_org, make_proposal, make_user
from web.services import dictionaries
from web.services.dictionaries import lists
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.matches import pipeline, review
from web.services.matching.index import IndexHolder, MatchPolicy
from web.services.matching.proposals import rebuild_proposals
from web.services.organisations import records
from web.services.postings import lifecycle
from web.services.postings.side import NEED

NEED_VALUES = {"title": "精密零件视觉检测", "description": "需要AI视觉检测零部件表面缺陷", "category": "技术攻关"}


def _admin(session: Session) -> int:
    return make_user(session, role="admin").id


def test_defaults_until_first_edit_then_stored_with_history(session: Session) -> None:
    assert ("技术攻关", "技术攻关") in dictionaries.options(session, "category")
    assert dict(dictionaries.options(session, "reject_reason"))["duplicate"] == "重复推荐"
    assert session.exec(select(func.count()).select_from(lists.DictItem)).one() == 0
    admin = _admin(session)
    lists.update_item(session, actor_id=admin, kind="category", code="技术攻关", label="技术研发攻关",
                      description="关键技术研发")
    assert dictionaries.labels(session, "category")["技术攻关"] == "技术研发攻关"
    assert len(dictionaries.options(session, "category")) == 12  # the rest were stored unchanged
    change = session.exec(select(DictChange)).one()
    assert (change.action, change.code, change.detail["label"]) == ("update", "技术攻关", "技术攻关 → 技术研发攻关")
    assert session.exec(select(AuditLog).where(AuditLog.action == "dict.update")).one()
    with pytest.raises(NotFound):
        lists.items(session, "colours")


def test_retired_category_stays_on_old_postings_but_new_ones_cannot_choose_it(session: Session) -> None:
    admin = _admin(session)
    org = make_org(session)
    user = make_user(session, role="enterprise", org=org)
    holder = IndexHolder.from_session(session)
    old = lifecycle.create(session, holder, NEED, org_id=org.id, actor_id=user.id, values=NEED_VALUES)
    lists.set_retired(session, actor_id=admin, kind="category", code="技术攻关", retired=True)
    assert "技术攻关" not in dict(dictionaries.options(session, "category"))
    with pytest.raises(ValidationFailed) as info:
        lifecycle.create(session, holder, NEED, org_id=org.id, actor_id=user.id, values=NEED_VALUES)
    assert info.value.errors["category"] == "请选择平台服务类别中的一项"
    assert session.exec(select(func.count()).select_from(Need)).one() == 1
    edited = lifecycle.edit(session, holder, NEED, posting_id=old.id, org_id=org.id, actor_id=user.id,
                            values={**NEED_VALUES, "title": "精密零件视觉检测（修订）"})
    assert edited.category == "技术攻关"
    with pytest.raises(ValidationFailed):  # nor can an edit switch another posting to it
        other = lifecycle.create(session, holder, NEED, org_id=org.id, actor_id=user.id,
                                 values={**NEED_VALUES, "category": "成果转化"})
        lifecycle.edit(session, holder, NEED, posting_id=other.id, org_id=org.id, actor_id=user.id,
                       values=NEED_VALUES)
    assert dictionaries.check(session, "category", "技术攻关", current="技术攻关") == "技术攻关"
    lists.set_retired(session, actor_id=admin, kind="category", code="技术攻关", retired=False)
    assert "技术攻关" in dict(dictionaries.options(session, "category"))
    assert [c.action for c in session.exec(select(DictChange).order_by(DictChange.id))] == ["retire", "restore"]


def test_matcher_keeps_working_with_renamed_and_retired_categories(session: Session) -> None:
    admin = _admin(session)
    make_need(session, org=make_org(session), category="技术攻关")
    make_offer(session, org=make_org(session, kind="university"), category="成果转化")
    lists.update_item(session, actor_id=admin, kind="category", code="技术攻关", label="关键技术攻关")
    lists.set_retired(session, actor_id=admin, kind="category", code="成果转化", retired=True)
    assert rebuild_proposals(session, policy=MatchPolicy(threshold=0.0)) == 1
    match = session.exec(select(Match)).one()
    # Postings keep the codes the matcher compares, whatever the list now calls them.
    assert session.get(Need, match.need_id).category == "技术攻关"


def test_delete_only_unused_added_values(session: Session) -> None:
    admin = _admin(session)
    with pytest.raises(Conflict, match="内置"):
        lists.delete_item(session, actor_id=admin, kind="category", code="技术攻关")
    added = lists.add_item(session, actor_id=admin, kind="category", label="知识产权运营", description="专利运营")
    assert added.code == "知识产权运营" and not added.builtin
    make_need(session, org=make_org(session), category="知识产权运营")
    with pytest.raises(Conflict, match="已被 1 条记录使用"):
        lists.delete_item(session, actor_id=admin, kind="category", code="知识产权运营")
    spare = lists.add_item(session, actor_id=admin, kind="category", label="临时类别", code="temp-1")
    lists.delete_item(session, actor_id=admin, kind="category", code=spare.code)
    assert "temp-1" not in dictionaries.labels(session, "category")
    for label, code, message in (("", "", "请填写名称"), ("知识产权运营", "", "已存在"), ("x" * 51, "", "50"),
                                 ("新类别", "bad code!", "编码")):
        with pytest.raises(ValidationFailed, match=message):
            lists.add_item(session, actor_id=admin, kind="category", label=label, code=code)
    actions = [c.action for c in session.exec(select(DictChange).order_by(DictChange.id))]
    assert actions == ["create", "create", "delete"]


def test_cannot_retire_the_last_choice(session: Session) -> None:
    admin = _admin(session)
    codes = [c for c, _ in dictionaries.options(session, "contract_type")]
    for code in codes[:-1]:
        lists.set_retired(session, actor_id=admin, kind="contract_type", code=code, retired=True)
    with pytest.raises(Conflict, match="至少要保留一个"):
        lists.set_retired(session, actor_id=admin, kind="contract_type", code=codes[-1], retired=True)


def test_reject_reasons_contract_types_and_qualifications_follow_the_lists(session: Session) -> None:
    admin = _admin(session)
    staff = make_user(session, role="staff")
    lists.set_retired(session, actor_id=admin, kind="reject_reason", code="duplicate", retired=True)
    lists.add_item(session, actor_id=admin, kind="reject_reason", label="需求已解决", code="solved")
    proposal = make_proposal(session)
    with pytest.raises(ValidationFailed, match="驳回原因"):
        review.reject_match(session, match_id=proposal.id, actor_id=staff.id, reason_code="duplicate")
    rejected = review.reject_match(session, match_id=proposal.id, actor_id=staff.id, reason_code="solved")
    assert rejected.reject_code == "solved" and lists.usage(session, "reject_reason", "solved") == 1

    lists.add_item(session, actor_id=admin, kind="contract_type", label="技术入股")
    match = make_match(session, need=make_need(session, org=make_org(session)),
                       offer=make_offer(session, org=make_org(session, kind="intermediary")), status="negotiating")
    contract = pipeline.ContractInput(amount_wan="88", signed_on=date(2022, 5, 1), contract_type="技术入股")
    pipeline.move_match(session, match_id=match.id, to_status="contracted", actor_id=staff.id, contract=contract)
    assert lists.usage(session, "contract_type", "技术入股") == 1

    org = make_org(session)
    lists.set_retired(session, actor_id=admin, kind="qualification", code="领军培育", retired=True)
    with pytest.raises(ValidationFailed) as info:
        records.add_qualification(session, org_id=org.id, actor_id=admin, values={"kind": "领军培育",
                                                                                  "year_granted": "2021"})
    assert "kind" in info.value.errors
    records.add_qualification(session, org_id=org.id, actor_id=admin, values={"kind": "雏鹰", "year_granted": "2021"})
    assert lists.usage(session, "qualification", "雏鹰") == 1

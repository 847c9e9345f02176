"""一企一策: only listing-pool members have a plan; each step's services come from the matcher."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, func, select

from models import ListingStep
from tests.factories import make_offer, make_org, make_user
from web.services.cultivation import gaps, listing, pools
from web.services.errors import NotFound, ValidationFailed
from web.services.matching.index import IndexHolder
from web.services.postings.side import NEED, OFFER


def _listed(session: Session) -> tuple[Any, Any]:
    staff = make_user(session, role="staff")
    pool = pools.pool_by_kind(session, "listing")
    session.commit()
    org = make_org(session)
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="拟新三板挂牌")
    return org, staff


def _step(**overrides: Any) -> dict[str, Any]:
    return {"name": "股份制改造", "owner": "企业财务总监", "due_on": "2026-06-30", "status": "doing",
            "category": "上市辅导", **overrides}


def test_plan_steps_with_matched_services(session: Session) -> None:
    org, staff = _listed(session)
    broker = make_org(session, kind="financial", name="某证券公司")
    law = make_org(session, kind="intermediary", name="某律师事务所")
    ipo = make_offer(session, org=broker, title="新三板挂牌与上市辅导", category="上市辅导",
                     description="证券公司提供上市辅导、辅导备案、新三板挂牌保荐服务")
    reform = make_offer(session, org=law, title="股份制改造法律服务", category="上市辅导",
                        description="股改 股份制改造 法律意见 公司治理 律师尽职调查")
    listing.save_step(session, org_id=org.id, actor_id=staff.id, values=_step())
    listing.save_step(session, org_id=org.id, actor_id=staff.id,
                      values=_step(name="辅导备案", due_on="2099-12-31", status="todo"))
    holder = IndexHolder.from_session(session)
    plan = listing.plan(session, holder, org_id=org.id)
    assert [s.step.name for s in plan.steps] == ["股份制改造", "辅导备案"]
    assert plan.steps[0].offers[0].offer.id == reform.id
    assert plan.steps[1].offers[0].offer.id == ipo.id
    first = plan.steps[0]
    posting = gaps.text_posting(f"step-{first.step.id}", listing.step_text(first.step), category="上市辅导",
                                region=org.region)
    assert [h.offer.id for h in first.offers] == [OFFER.posting_id(m.offer_id) for m in holder.match(NEED, posting, 3)]
    assert first.overdue(date(2026, 7, 1)) and not first.overdue(date(2026, 6, 30))
    listing.save_step(session, org_id=org.id, actor_id=staff.id, step_id=first.step.id, values=_step(status="done"))
    assert not listing.plan(session, holder, org_id=org.id).steps[0].overdue(date(2027, 1, 1))
    assert [(o.id, total, done, late) for o, total, done, late in listing.progress(session)] == [(org.id, 2, 1, 0)]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"name": ""}, "name"), ({"owner": ""}, "owner"), ({"due_on": "明年"}, "due_on"),
    ({"status": "paused"}, "status"), ({"category": "炒股"}, "category"),
])
def test_bad_steps_write_nothing(session: Session, overrides: dict, field: str) -> None:
    org, staff = _listed(session)
    with pytest.raises(ValidationFailed) as exc:
        listing.save_step(session, org_id=org.id, actor_id=staff.id, values=_step(**overrides))
    assert field in exc.value.errors
    session.rollback()
    assert session.exec(select(func.count()).select_from(ListingStep)).one() == 0


def test_only_the_listing_pool_has_plans(session: Session) -> None:
    staff = make_user(session, role="staff")
    outsider = make_org(session)
    with pytest.raises(NotFound):
        listing.save_step(session, org_id=outsider.id, actor_id=staff.id, values=_step())
    with pytest.raises(NotFound):
        listing.plan(session, IndexHolder.from_session(session), org_id=outsider.id)

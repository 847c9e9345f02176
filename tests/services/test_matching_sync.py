"""Cross-worker freshness: two IndexHolders (two workers) on one database."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from models import Match, Need
from tests.factories import make_need, make_offer, make_org, make_user
from web.services.matching import proposals
from web.services.matching.index import IndexHolder, need_key
from web.services.matching.worker import load_holder
from web.services.postings import lifecycle
from web.services.postings.side import NEED, OFFER

NEED_TEXT = {"title": "视觉检测", "description": "零部件表面缺陷检测", "category": "技术攻关"}


def indexed(holder: IndexHolder) -> dict[str, tuple[str, ...]]:
    """What a worker's index holds: key -> tokens."""
    both = {**holder.index.needs_.postings, **holder.index.offers_.postings}
    return {k: tuple(p.tokens) for k, p in both.items() if p.is_open}


def test_edits_closes_and_reopens_by_one_worker_reach_the_other(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)
    worker_a, worker_b = load_holder(engine), load_holder(engine)
    with Session(engine) as s:
        need = lifecycle.create(s, worker_a, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT)
        key = need_key(need.id)
    with Session(engine) as s:
        worker_b.sync(s)
    assert key in indexed(worker_b)
    with Session(engine) as s:
        lifecycle.edit(s, worker_a, NEED, posting_id=need.id, org_id=ent.id, actor_id=user.id,
                      values={**NEED_TEXT, "description": "专利质押融资与知识产权评估"})
    with Session(engine) as s:
        worker_b.sync(s)
    words = "".join(indexed(worker_b)[key])
    assert "质押" in words and "缺陷" not in words
    with Session(engine) as s:
        lifecycle.close(s, worker_a, NEED, posting_id=need.id, org_id=ent.id, actor_id=user.id)
    assert session.get(Need, need.id).updated_at is not None
    with Session(engine) as s:
        worker_b.sync(s)
    assert key not in indexed(worker_b)
    with Session(engine) as s:
        lifecycle.reopen(s, worker_a, NEED, posting_id=need.id, org_id=ent.id, actor_id=user.id)
        worker_b.sync(s)
    assert key in indexed(worker_b)
    # Nothing new: a second sync applies nothing.
    changes = worker_b.changes
    with Session(engine) as s:
        worker_b.sync(s)
    assert worker_b.changes == changes


def test_other_worker_does_not_match_a_need_closed_elsewhere(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    need = make_need(session, org=ent)
    user = make_user(session, org=ent)
    puser = make_user(session, role="provider", org=prov)
    worker_a, worker_b = load_holder(engine), load_holder(engine)
    with Session(engine) as s:
        lifecycle.close(s, worker_a, NEED, posting_id=need.id, org_id=ent.id, actor_id=user.id)
    with Session(engine) as s:  # worker B never heard of the closure until it syncs
        lifecycle.create(s, worker_b, OFFER, org_id=prov.id, actor_id=puser.id, values={
            "title": "AI视觉检测", "description": "工业视觉零部件表面缺陷检测系统", "category": "技术攻关"})
    assert session.exec(select(Match)).all() == []


def test_drafts_stay_out_of_every_index(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)
    worker_a, worker_b = load_holder(engine), load_holder(engine)
    with Session(engine) as s:
        need = lifecycle.create(s, worker_a, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT,
                               draft=True)
        need_id = need.id
        lifecycle.edit(s, worker_a, NEED, posting_id=need_id, org_id=ent.id, actor_id=user.id,
                      values={**NEED_TEXT, "title": "视觉检测（草稿修改）"})
        worker_b.sync(s)
    key = need_key(need_id)
    assert key not in indexed(worker_a) and key not in indexed(worker_b)
    assert load_holder(engine).size() == 1  # a restart does not load it either
    with Session(engine) as s:
        assert proposals.rebuild_proposals(s) == 0
    assert session.exec(select(Match)).all() == []
    with Session(engine) as s:
        lifecycle.publish(s, worker_a, NEED, posting_id=need_id, org_id=ent.id, actor_id=user.id)
        worker_b.sync(s)
    assert key in indexed(worker_a) and key in indexed(worker_b)
    assert session.exec(select(Match)).one().status == "proposed"

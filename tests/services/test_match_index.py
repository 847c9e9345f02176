"""The worker's match index: postings as the engine sees them, puts and syncs, the match
settings, and re-segmenting tokens made by another tokenizer version."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from matcher import tokenizer_version
from models import Need, Offer
from tests.factories import make_need, make_offer, make_org
from web.app import match_policy
from web.services.matching import proposals
from web.services.matching.index import MatchPolicy, engine_posting, join_tokens
from web.services.matching.resegment import resegment_in_background, stale_count
from web.services.matching.worker import load_holder
from web.services.postings.side import NEED, OFFER
from web.settings import Settings


def test_engine_postings_carry_key_openness_and_credit(session: Session) -> None:
    ent, prov = make_org(session, region="河北区"), make_org(session, kind="financial", credit_standing="bad")
    need, offer = make_need(session, org=ent), make_offer(session, org=prov, status="withdrawn")
    p = engine_posting(NEED, need, ent)
    assert p.id == f"n{need.id}" and p.is_open and p.credit is None and p.region == "河北区"
    q = engine_posting(OFFER, offer, prov)
    assert q.id == f"o{offer.id}" and not q.is_open and q.credit == "bad"
    assert OFFER.posting_id(q.id) == offer.id and NEED.other is OFFER and OFFER.other is NEED


def test_policy_defaults_are_the_settings_defaults() -> None:
    fields = Settings.model_fields
    assert MatchPolicy() == MatchPolicy(fields["match_threshold"].default, fields["match_top_k"].default)
    assert match_policy(Settings(match_threshold=0.4, match_top_k=3)) == MatchPolicy(0.4, 3)


def test_put_removes_closed_postings_and_match_ranks_the_other_side(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    need, offer = make_need(session, org=ent), make_offer(session, org=prov)
    holder = load_holder(engine, policy=MatchPolicy(threshold=0.5, top=1))
    assert holder.policy.top == 1 and holder.size() == 2
    found = holder.match(NEED, engine_posting(NEED, need, ent), top=5)
    assert [m.offer_id for m in found] == [f"o{offer.id}"]
    offer.status = "withdrawn"
    holder.put(OFFER, engine_posting(OFFER, offer, prov))
    assert holder.size() == 1 and holder.match(NEED, engine_posting(NEED, need, ent), top=5) == []


def test_sync_picks_up_postings_written_elsewhere(engine: Engine, session: Session) -> None:
    holder = load_holder(engine)
    assert holder.size() == 0
    need = make_need(session, org=make_org(session))
    with Session(engine) as s:
        holder.sync(s)
    assert NEED.key(need.id) in holder.index.needs_.postings


def _stale(session: Session) -> tuple[Need, Offer]:
    """Postings whose stored tokens were cut by another (older) tokenizer."""
    ent, prov = make_org(session), make_org(session, kind="university")
    need = make_need(session, org=ent, tokens="工业机 器人视 觉", tokens_version="jieba-0.1+dict-old")
    offer = make_offer(session, org=prov, tokens="", tokens_version="")
    return need, offer


def test_stale_tokens_are_resegmented_in_the_background_then_the_index_reloads(
        engine: Engine, session: Session) -> None:
    need, offer = _stale(session)
    holder = load_holder(engine)
    assert holder.index.needs_.postings[NEED.key(need.id)].tokens == ("工业机", "器人视", "觉")
    thread = resegment_in_background(engine, holder)
    assert thread is not None
    thread.join(timeout=60)
    assert not thread.is_alive()
    session.expire_all()
    for row in (session.get(Need, need.id), session.get(Offer, offer.id)):
        assert row is not None and row.tokens_version == tokenizer_version()
        assert row.tokens == join_tokens(row.title, row.description)
    indexed = holder.index.needs_.postings[NEED.key(need.id)].tokens
    assert indexed == tuple(join_tokens(need.title, need.description).split())
    assert OFFER.key(offer.id) in holder.index.offers_.postings  # no tokens before: now indexed
    with Session(engine) as s:
        assert stale_count(s) == 0
    assert resegment_in_background(engine, holder) is None  # nothing left to do


def test_the_app_starts_resegmenting_without_waiting_for_it(engine: Engine, session: Session) -> None:
    from fastapi.testclient import TestClient

    from web.app import create_app

    need, _ = _stale(session)
    app = create_app(Settings(database_url=str(engine.url), seed_on_start=False, mode="test"), engine=engine)
    with TestClient(app):
        thread = app.state.resegmenting
        assert thread is not None
        thread.join(timeout=60)
    session.expire_all()
    assert session.exec(select(Need.tokens_version).where(Need.id == need.id)).one() == tokenizer_version()


def test_rebuild_segments_stale_rows_before_fitting(session: Session) -> None:
    need, _ = _stale(session)
    proposals.rebuild_proposals(session)
    session.expire_all()
    assert session.get(Need, need.id).tokens_version == tokenizer_version()  # type: ignore[union-attr]

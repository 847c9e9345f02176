"""The push: index holder, proposals, rebuild, privacy of the other side."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from models import Match, Need, Notification
from tests.factories import make_need, make_offer, make_org, make_user
from web.services.matches import portal_views
from web.services.matching import proposals
from web.services.matching.worker import load_holder
from web.services.notifications import Target
from web.services.organisations.privacy import counterpart, size_band
from web.services.postings import lifecycle
from web.services.postings.side import NEED, OFFER


def test_rebuild_proposals_stores_pairs_once(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    make_need(session, org=ent, tokens="")  # tokens missing: rebuild segments it
    make_offer(session, org=prov)
    assert proposals.rebuild_proposals(session) == 1
    assert proposals.rebuild_proposals(session) == 0
    m = session.exec(select(Match)).one()
    assert m.status == "proposed" and m.reasons["terms"]
    assert (m.need_org_id, m.offer_org_id) == (ent.id, prov.id)  # the portals list by these
    assert session.exec(select(Need)).one().tokens
    # A batch rematch tells both sides (nobody saw it on screen), once per pair.
    notes = session.exec(select(Notification)).all()
    assert sorted(n.org_id for n in notes) == sorted([ent.id, prov.id])


def test_holder_picks_up_rows_written_elsewhere(engine: Engine, session: Session) -> None:
    holder = load_holder(engine)
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)  # written after the holder loaded (another worker)
    with Session(engine) as s:
        need = lifecycle.create(s, holder, NEED, org_id=ent.id, actor_id=user.id, values={
            "title": "视觉检测", "description": "零部件表面缺陷检测", "category": "技术攻关"})
        recs = portal_views.recommendations(s, NEED, posting_id=need.id, org_id=ent.id)
    assert len(recs) == 1 and not recs[0].other.revealed


def test_offer_post_pushes_to_enterprises_and_tells_the_provider(engine: Engine, session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    make_need(session, org=ent)
    user = make_user(session, role="provider", org=prov)
    holder = load_holder(engine)
    with Session(engine) as s:
        lifecycle.create(s, holder, OFFER, org_id=prov.id, actor_id=user.id, values={
            "title": "AI视觉检测", "description": "工业视觉零部件表面缺陷检测系统", "category": "技术攻关"})
    notes = {n.org_id: n for n in session.exec(select(Notification)).all()}
    assert sorted(notes) == sorted([ent.id, prov.id])
    note = notes[ent.id]
    assert note.title.startswith("新服务「AI视觉检测」与您的需求")
    assert Target.decode(note.link) == Target("match", note.match_id or 0)  # the recommendation itself
    # The poster hears that matching, done after the write, found something.
    assert "已完成匹配" in notes[prov.id].title and "1条推荐需求" in notes[prov.id].title


def test_counterpart_is_anonymous_until_approved(session: Session) -> None:
    org = make_org(session, kind="university", employees=150, share_contacts=True)
    anon = counterpart(org, revealed=False)
    assert anon.name is None and anon.contact_phone is None and "匿名" in anon.label
    assert anon.size_band == "100–299人" == size_band(150)
    shown = counterpart(org, revealed=True)
    assert shown.name == org.name and shown.contact_phone == org.contact_phone
    org.share_contacts = False
    assert counterpart(org, revealed=True).contact_phone is None
    assert "revenue_wan" not in anon.to_dict() and "credit_standing" not in shown.to_dict()

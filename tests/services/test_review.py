"""The review queue: filters, flags, highlighting, approve / reject, bulk, manual, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from models import AuditLog, Match, MatchEvent, Notification, RelatedParty
from tests.factories import make_need, make_offer, make_org, make_proposal, make_user
from web.presentation.formatting import highlight
from web.services.errors import Conflict, NotFound, ValidationFailed
from web.services.matches import review
from web.services.matches.manual import create_manual_match
from web.services.matches.review import QueueFilters
from web.services.matches.staff_views import staff_view


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _snapshot(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(_count(session, m) for m in (Match, MatchEvent, AuditLog, Notification)) + tuple(
        (m.id, m.status) for m in session.exec(select(Match).order_by(Match.id)).all())


@pytest.fixture
def staff(session: Session):  # type: ignore[no-untyped-def]
    return make_user(session, role="staff", display_name="王专员")


def test_queue_threshold_best_first_and_filters(session: Session) -> None:
    ent = make_org(session, name="天津远航精密机械有限公司")
    prov = make_org(session, kind="university", name="河北工业大学测试学院")
    n1 = make_need(session, org=ent, category="技术攻关")
    n2 = make_need(session, org=ent, category="知识产权", title="专利布局")
    o1 = make_offer(session, org=prov)
    o2 = make_offer(session, org=make_org(session, kind="intermediary"))
    low = make_proposal(session, need=n1, offer=o1, score=0.10)
    mid = make_proposal(session, need=n1, offer=o2, score=0.40)
    top = make_proposal(session, need=n2, offer=o1, score=0.90)
    make_proposal(session, need=n2, offer=o2, score=0.95, status="rejected")
    old = make_proposal(session, score=0.5, created_at=datetime.now(UTC) - timedelta(days=30))

    def ids(**kw: object) -> list[int]:
        page = review.list_queue(session, filters=QueueFilters(**kw))
        assert page.total == len(page.items)  # the count (joined or not) agrees with the list
        return [v.match.id for v in page.items]

    assert ids(threshold=0.15) == [top.id, old.id, mid.id]
    assert low.id in ids(threshold=0.05)
    assert ids(threshold=0.15, category="知识产权") == [top.id]
    assert ids(threshold=0.15, min_score=0.3, max_score=0.6) == [old.id, mid.id]
    assert ids(threshold=0.15, min_age_days=7) == [old.id]
    assert ids(threshold=0.15, max_age_days=7) == [top.id, mid.id]
    assert ids(threshold=0.15, org="远航") == [top.id, mid.id]
    assert ids(threshold=0.15, org="工业大学") == [top.id]
    page = review.list_queue(session, filters=QueueFilters(threshold=0.15), per_page=2, page=2)
    assert page.total == 3 and [v.match.id for v in page.items] == [mid.id] and page.pages == 2


def test_flags_bad_credit_and_related_parties_either_direction(session: Session) -> None:
    ent = make_org(session)
    bad = make_org(session, kind="intermediary", credit_standing="bad")
    rel = make_org(session, kind="intermediary")
    clean = make_org(session, kind="intermediary")
    session.add(RelatedParty(org_id=rel.id, related_org_id=ent.id, relation="同一实际控制人"))
    session.commit()
    need = make_need(session, org=ent)
    m_bad = make_proposal(session, need=need, offer=make_offer(session, org=bad))
    m_rel = make_proposal(session, need=need, offer=make_offer(session, org=rel))
    m_ok = make_proposal(session, need=need, offer=make_offer(session, org=clean))
    flags = {v.match.id: [f.code for f in v.flags]
             for v in review.list_queue(session, filters=QueueFilters()).items}
    assert flags == {m_bad.id: ["credit"], m_rel.id: ["conflict"], m_ok.id: []}
    assert "利益冲突" in staff_view(session, m_rel.id).flags[0].label


def test_highlight_escapes_before_marking() -> None:
    html = str(highlight('<script>alert(1)</script> 视觉检测 & amp 视觉', ["视觉", "amp", "<script>"]))
    assert "<script>" not in html
    assert html.count("<mark>视觉</mark>") == 2
    assert "&amp; <mark>amp</mark>" in html  # the entity itself is never split by a mark
    assert "<mark>&lt;script&gt;</mark>" in html
    assert str(highlight(None, ["x"])) == ""


def test_approve_notifies_both_sides_records_event_and_audit(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session)
    review.approve_match(session, match_id=m.id, actor_id=staff.id, note="双方条件匹配")
    session.expire_all()
    got = session.get(Match, m.id)
    assert got.status == "approved" and got.decided_by == staff.id and got.decided_at is not None
    notes = session.exec(select(Notification).where(Notification.match_id == m.id)).all()
    view = staff_view(session, m.id)
    assert sorted(n.org_id for n in notes) == sorted([view.enterprise.id, view.provider.id])
    assert all(n.kind == "approved" for n in notes)
    ev = session.exec(select(MatchEvent).where(MatchEvent.match_id == m.id)).one()
    assert (ev.from_status, ev.to_status, ev.actor_id) == ("proposed", "approved", staff.id)
    log = session.exec(select(AuditLog).where(AuditLog.action == "match.approve")).one()
    assert log.object_id == m.id and log.actor_id == staff.id


def test_reject_keeps_decision_and_notifies_nobody(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session)
    review.reject_match(session, match_id=m.id, actor_id=staff.id, reason_code="capability", note="资质不足")
    session.expire_all()
    got = session.get(Match, m.id)
    assert (got.status, got.reject_code, got.reject_note) == ("rejected", "capability", "资质不足")
    assert _count(session, Notification) == 0
    assert session.exec(select(AuditLog.action)).all() == ["match.reject"]
    assert "服务能力不符" in session.exec(select(MatchEvent.note)).one()


@pytest.mark.parametrize("code,note,message", [
    ("nonsense", "", "请选择有效的驳回原因"), (None, "", "请选择有效的驳回原因"),
    ("other", "", "请填写说明"),
])
def test_reject_bad_reason_changes_nothing(session: Session, staff, code, note, message) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session)
    before = _snapshot(session)
    with pytest.raises(ValidationFailed) as exc:
        review.reject_match(session, match_id=m.id, actor_id=staff.id, reason_code=code, note=note)
    assert message in exc.value.message and exc.value.status_code == 422
    assert _snapshot(session) == before


def test_second_decision_is_a_conflict_and_missing_is_not_found(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session)
    review.approve_match(session, match_id=m.id, actor_id=staff.id)
    before = _snapshot(session)
    with pytest.raises(Conflict, match="该匹配已被其他专员处理"):
        review.reject_match(session, match_id=m.id, actor_id=staff.id, reason_code="irrelevant")
    with pytest.raises(Conflict, match="该匹配已被其他专员处理"):
        review.approve_match(session, match_id=m.id, actor_id=staff.id)
    with pytest.raises(NotFound):
        review.approve_match(session, match_id=999999, actor_id=staff.id)
    assert _snapshot(session) == before


def test_bulk_approve_and_reject_skip_decided(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    a, b, c = make_proposal(session), make_proposal(session), make_proposal(session, status="rejected")
    res = review.bulk_decide(session, match_ids=[a.id, b.id, c.id], actor_id=staff.id, decision="approve")
    assert res.done == [a.id, b.id] and res.skipped == [c.id]
    d, e = make_proposal(session), make_proposal(session)
    res = review.bulk_decide(session, match_ids=[d.id, e.id], actor_id=staff.id, decision="reject",
                             reason_code="duplicate")
    assert res.done == [d.id, e.id]
    session.expire_all()
    assert session.get(Match, e.id).reject_code == "duplicate"
    assert _count(session, Notification) == 4  # two approvals, two sides each
    f = make_proposal(session)
    before = _snapshot(session)
    with pytest.raises(ValidationFailed):
        review.bulk_decide(session, match_ids=[f.id], actor_id=staff.id, decision="reject",
                           reason_code="bogus")
    with pytest.raises(ValidationFailed):
        review.bulk_decide(session, match_ids=[], actor_id=staff.id, decision="approve")
    with pytest.raises(ValidationFailed):
        review.bulk_decide(session, match_ids=[f.id], actor_id=staff.id, decision="delete")
    assert _snapshot(session) == before


def test_manual_match_between_any_need_and_offer(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    need = make_need(session, org=make_org(session), category="科技金融", title="知识产权质押融资")
    offer = make_offer(session, org=make_org(session, kind="financial"), category="检测认证")
    m = create_manual_match(session, need_id=need.id, offer_id=offer.id, actor_id=staff.id,
                                   note="线下座谈会对接")
    assert (m.source, m.status, m.decided_by) == ("manual", "approved", staff.id)
    assert (m.need_org_id, m.offer_org_id) == (need.org_id, offer.org_id)
    assert _count(session, Notification) == 2
    actions = session.exec(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["match.create_manual", "match.approve"]
    before = _snapshot(session)
    with pytest.raises(Conflict, match="已有匹配记录"):
        create_manual_match(session, need_id=need.id, offer_id=offer.id, actor_id=staff.id)
    with pytest.raises(NotFound):
        create_manual_match(session, need_id=need.id, offer_id=999999, actor_id=staff.id)
    assert _snapshot(session) == before
    # Unapproved, it waits in the queue whatever its score.
    queued = create_manual_match(session, need_id=need.id, actor_id=staff.id, approve=False,
                                        offer_id=make_offer(session, org=make_org(session, kind="financial")).id)
    assert queued.status == "proposed"
    assert queued.id in [v.match.id for v in review.list_queue(session, filters=QueueFilters(threshold=0.99)).items]


def test_concurrent_approvals_exactly_one_wins(engine: Engine, session: Session) -> None:
    staffers = [make_user(session, role="staff") for _ in range(8)]
    m = make_proposal(session)
    barrier = threading.Barrier(len(staffers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        with Session(engine) as s:
            barrier.wait()
            try:
                if i % 2:
                    review.reject_match(s, match_id=m.id, actor_id=staffers[i].id, reason_code="irrelevant")
                else:
                    review.approve_match(s, match_id=m.id, actor_id=staffers[i].id)
                result = "won"
            except Conflict as exc:
                assert "该匹配已被其他专员处理" in exc.message
                result = "conflict"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(staffers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    session.expire_all()
    final = session.get(Match, m.id)
    assert _count(session, MatchEvent) == 1
    assert _count(session, AuditLog) == 1
    assert _count(session, Notification) == (2 if final.status == "approved" else 0)


def test_concurrent_approvals_all_approve(engine: Engine, session: Session) -> None:
    staffers = [make_user(session, role="staff") for _ in range(8)]
    m = make_proposal(session)
    barrier = threading.Barrier(len(staffers))
    wins: list[int] = []

    def attempt(i: int) -> None:
        with Session(engine) as s:
            barrier.wait()
            try:
                review.approve_match(s, match_id=m.id, actor_id=staffers[i].id)
                wins.append(i)
            except Conflict:
                pass

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(wins) == 1
    session.expire_all()
    assert session.get(Match, m.id).decided_by == staffers[wins[0]].id
    assert _count(session, Notification) == 2 and _count(session, MatchEvent) == 1

"""Feedback: per-category approval rates of engine proposals."""

from __future__ import annotations

from sqlmodel import Session

from tests.factories import make_need, make_org, make_proposal, make_user
from web.services.matches import review
from web.services.matching.feedback import approval_stats, overall


def test_approval_rate_per_category(session: Session) -> None:
    staff = make_user(session, role="staff")
    ent = make_org(session)
    ip = make_need(session, org=ent, category="知识产权")
    tech = make_need(session, org=ent, category="技术攻关")
    a = make_proposal(session, need=ip)
    b = make_proposal(session, need=ip)
    c = make_proposal(session, need=ip)
    d = make_proposal(session, need=tech)
    make_proposal(session, need=tech)  # still waiting
    make_proposal(session, need=tech, status="contracted")  # approved earlier, got further
    make_proposal(session, need=tech, status="approved", source="manual")  # not an engine proposal
    review.approve_match(session, match_id=a.id, actor_id=staff.id)
    review.reject_match(session, match_id=b.id, actor_id=staff.id, reason_code="irrelevant")
    review.reject_match(session, match_id=c.id, actor_id=staff.id, reason_code="irrelevant")
    review.reject_match(session, match_id=d.id, actor_id=staff.id, reason_code="credit")
    stats = {s.category: s for s in approval_stats(session)}
    assert (stats["知识产权"].approved, stats["知识产权"].rejected) == (1, 2)
    assert abs(stats["知识产权"].approval_rate - 1 / 3) < 1e-9
    assert stats["知识产权"].reason_labels == [("不相关", 2)]
    assert (stats["技术攻关"].approved, stats["技术攻关"].rejected, stats["技术攻关"].proposed) == (1, 1, 1)
    assert stats["技术攻关"].approval_rate == 0.5
    total = overall(list(stats.values()))
    assert (total.approved, total.rejected, total.decided) == (2, 3, 5)


def test_no_decisions_yet(session: Session) -> None:
    make_proposal(session)
    (only,) = approval_stats(session)
    assert only.approval_rate is None and only.proposed == 1

"""Operating figures from a small platform history with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from tests.factories import (
    make_contract,
    make_match,
    make_match_event,
    make_need,
    make_offer,
    make_org,
)
from web.presentation.times import DEFAULT_TIME_ZONE, local_zone
from web.services.reports.operations import MonthRow, operations

SHANGHAI = local_zone(DEFAULT_TIME_ZONE)


def _at(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def test_operating_figures_from_known_history(session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="intermediary")
    n1 = make_need(session, org=ent, category="技术攻关", created_at=_at(2022, 1, 10))
    n2 = make_need(session, org=ent, category="科技金融", created_at=_at(2022, 1, 20))
    n3 = make_need(session, org=ent, category="技术攻关", created_at=_at(2022, 3, 5))
    make_need(session, org=ent, category="技术攻关", status="draft", created_at=_at(2022, 5, 5))
    o1 = make_offer(session, org=prov, created_at=_at(2022, 2, 1))
    # 20:00 UTC on 31 March is 1 April in Beijing: counted in April.
    o2 = make_offer(session, org=prov, created_at=_at(2022, 3, 31, 20))

    m1 = make_match(session, need=n1, offer=o1, status="approved")
    make_match_event(session, match=m1, to_status="approved", created_at=_at(2022, 1, 12))
    make_match(session, need=n1, offer=o2, status="rejected")
    m3 = make_match(session, need=n2, offer=o1, status="contracted")
    make_match_event(session, match=m3, to_status="approved", created_at=_at(2022, 1, 25))
    make_match_event(session, match=m3, to_status="approved", created_at=_at(2022, 2, 25))  # later re-approval ignored
    make_match_event(session, match=m3, to_status="contracted", created_at=_at(2022, 3, 1))
    make_contract(session, match=m3, amount_wan="300.50")
    make_match(session, need=n3, offer=o1, status="proposed")
    # A manual match approved without an event: its decision time counts.
    make_match(session, need=n3, offer=o2, status="approved", source="manual",
               decided_at=_at(2022, 3, 5) + timedelta(days=1))

    ops = operations(session, tz=SHANGHAI)
    assert ops.months == [MonthRow("2022-01", 2, 0), MonthRow("2022-02", 0, 1),
                          MonthRow("2022-03", 1, 0), MonthRow("2022-04", 0, 1)]
    assert ops.needs_posted == 3
    assert (ops.needs_with_approved, ops.needs_with_approved_percent) == (3, Decimal("100.0"))
    assert ops.median_days_to_approval == Decimal("2.0")  # days 2, 5, 1
    assert (ops.approval_samples, ops.approval_anomalies) == (3, 0)
    funnel = {r.category: (r.proposed, r.approved, r.contracted) for r in ops.funnel}
    assert funnel == {"技术攻关": (4, 2, 0), "科技金融": (1, 1, 1)}
    assert (ops.engine_approved, ops.engine_rejected, ops.engine_pending) == (2, 1, 1)
    assert ops.engine_approval_percent == Decimal("66.6")  # one rule: shares are rounded down
    assert [(r.category, r.contracts, r.amount_wan) for r in ops.amounts] == [("科技金融", 1, Decimal("300.50"))]
    assert ops.total_amount_wan == Decimal("300.50")


def test_operating_figures_of_an_empty_platform(session: Session) -> None:
    ops = operations(session, tz=SHANGHAI)
    assert ops.months == [] and ops.funnel == [] and ops.amounts == []
    assert ops.needs_with_approved_percent is None and ops.median_days_to_approval is None
    assert ops.engine_approval_percent is None and ops.total_amount_wan == Decimal("0")


def test_an_approval_dated_before_its_posting_is_left_out_of_the_median(session: Session) -> None:
    ent, prov = make_org(session), make_org(session, kind="intermediary")
    need = make_need(session, org=ent, created_at=_at(2022, 6, 1))
    early = make_need(session, org=ent, created_at=_at(2022, 6, 1))
    offer = make_offer(session, org=prov)
    make_match_event(session, match=make_match(session, need=need, offer=offer, status="approved"),
                     to_status="approved", created_at=_at(2022, 6, 4))
    make_match_event(session, match=make_match(session, need=early, offer=offer, status="approved"),
                     to_status="approved", created_at=_at(2022, 5, 1))
    ops = operations(session, tz=SHANGHAI)
    assert (ops.median_days_to_approval, ops.approval_samples, ops.approval_anomalies) == (Decimal("3.0"), 1, 1)
    assert ops.needs_with_approved == 2


def test_months_are_cut_at_midnight_in_the_platform_zone(session: Session) -> None:
    ent = make_org(session)
    make_need(session, org=ent, created_at=_at(2021, 12, 31, 15) + timedelta(minutes=59, seconds=59))
    make_need(session, org=ent, created_at=_at(2021, 12, 31, 16))  # 00:00 on 1 January in Beijing
    make_need(session, org=ent, created_at=_at(2022, 3, 10))
    ops = operations(session, tz=SHANGHAI)
    assert ops.months == [MonthRow("2021-12", 1, 0), MonthRow("2022-01", 1, 0),
                          MonthRow("2022-02", 0, 0), MonthRow("2022-03", 1, 0)]
    assert operations(session, tz=UTC).months[:2] == [MonthRow("2021-12", 2, 0), MonthRow("2022-01", 0, 0)]


def test_postings_of_a_single_month(session: Session) -> None:
    make_offer(session, org=make_org(session, kind="intermediary"), created_at=_at(2022, 6, 2))
    assert operations(session, tz=SHANGHAI).months == [MonthRow("2022-06", 0, 1)]

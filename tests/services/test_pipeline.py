"""The deal pipeline: moves, stale flags, contracts and their validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from models import AuditLog, Contract, Match, MatchEvent, Notification
from tests.factories import make_proposal, make_signed_contract, make_user
from web.services.errors import InvalidTransition, ValidationFailed
from web.services.matches import pipeline
from web.services.matches.pipeline import ContractInput


def _snapshot(session: Session) -> tuple:
    session.expire_all()
    counts = tuple(session.exec(select(func.count()).select_from(m)).one()
                   for m in (MatchEvent, AuditLog, Notification, Contract))
    return counts + tuple((m.id, m.status) for m in session.exec(select(Match).order_by(Match.id)).all())


@pytest.fixture
def staff(session: Session):  # type: ignore[no-untyped-def]
    return make_user(session, role="staff", display_name="李专员")


def test_full_path_to_contract_records_every_move(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session, status="approved")
    pipeline.move_match(session, match_id=m.id, to_status="contacted", actor_id=staff.id, note="电话联系")
    pipeline.move_match(session, match_id=m.id, to_status="negotiating", actor_id=staff.id)
    pipeline.move_match(session, match_id=m.id, to_status="contracted", actor_id=staff.id,
                        contract=ContractInput("88.5", "2022-05-20", "技术开发", "2022120105000123"))
    session.expire_all()
    assert session.get(Match, m.id).status == "contracted"
    c = session.exec(select(Contract)).one()
    assert (c.amount_wan, c.signed_on, c.contract_type, c.created_by) == (
        Decimal("88.50"), date(2022, 5, 20), "技术开发", staff.id)
    hist = pipeline.history(session, match_id=m.id)
    assert [(h.event.from_status, h.event.to_status) for h in hist] == [
        ("approved", "contacted"), ("contacted", "negotiating"), ("negotiating", "contracted")]
    assert hist[0].event.note == "电话联系" and hist[0].actor_name == "李专员"
    actions = session.exec(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["match.move"] * 3 + ["contract.create"]
    assert pipeline.list_contracts(session)[0].contract.id == c.id


def test_close_without_deal(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session, status="contacted")
    pipeline.move_match(session, match_id=m.id, to_status="closed", actor_id=staff.id, note="企业预算不足")
    session.expire_all()
    assert session.get(Match, m.id).status == "closed"
    assert session.exec(select(func.count()).select_from(Contract)).one() == 0


@pytest.mark.parametrize("status,to", [
    ("rejected", "contracted"), ("proposed", "contacted"), ("contracted", "closed"),
    ("closed", "negotiating"), ("negotiating", "contacted"), ("approved", "approved"),
])
def test_invalid_moves_change_nothing(session: Session, staff, status, to) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session, status=status)
    before = _snapshot(session)
    with pytest.raises(InvalidTransition) as exc:
        pipeline.move_match(session, match_id=m.id, to_status=to, actor_id=staff.id,
                            contract=ContractInput("10", "2022-01-01", "技术服务"))
    assert "不能变更为" in exc.value.message and exc.value.status_code == 409
    assert _snapshot(session) == before


@pytest.mark.parametrize("amount,signed,ctype,field,message", [
    ("-5", "2022-01-01", "技术开发", "amount_wan", "必须大于 0"),
    ("0", "2022-01-01", "技术开发", "amount_wan", "必须大于 0"),
    ("1000000", "2022-01-01", "技术开发", "amount_wan", "超出合理范围"),
    ("99999999999", "2022-01-01", "技术开发", "amount_wan", "超出合理范围"),
    ("abc", "2022-01-01", "技术开发", "amount_wan", "应为数字"),
    ("NaN", "2022-01-01", "技术开发", "amount_wan", "应为数字"),
    ("1.234", "2022-01-01", "技术开发", "amount_wan", "两位小数"),
    ("10", "2999-01-01", "技术开发", "signed_on", "不能晚于今天"),
    ("10", "2022-13-01", "技术开发", "signed_on", "格式"),
    ("10", "2022-01-01", "技术入股", "contract_type", "合同类型"),
])
def test_bad_contracts_change_nothing(session: Session, staff, amount, signed, ctype, field, message) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session, status="negotiating")
    before = _snapshot(session)
    with pytest.raises(ValidationFailed) as exc:
        pipeline.move_match(session, match_id=m.id, to_status="contracted", actor_id=staff.id,
                            contract=ContractInput(amount, signed, ctype))
    assert field in exc.value.errors and message in exc.value.errors[field]
    assert _snapshot(session) == before


def test_contracting_requires_contract(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    m = make_proposal(session, status="approved")
    before = _snapshot(session)
    with pytest.raises(ValidationFailed, match="合同"):
        pipeline.move_match(session, match_id=m.id, to_status="contracted", actor_id=staff.id)
    assert _snapshot(session) == before


def test_board_columns_and_stale_flag(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    old = datetime.now(UTC) - timedelta(days=30)
    stale = make_proposal(session, status="approved", decided_at=old, created_at=old)
    fresh = make_proposal(session, status="approved", decided_at=datetime.now(UTC))
    moved = make_proposal(session, status="approved", decided_at=old, created_at=old)
    pipeline.move_match(session, match_id=moved.id, to_status="contacted", actor_id=staff.id)
    done = make_proposal(session, status="approved", decided_at=old, created_at=old)
    make_signed_contract(session, match=done)
    make_proposal(session, status="proposed")
    b = pipeline.board(session, stale_days=14)
    col = {s: [(c.view.match.id, c.stale) for c in cards] for s, cards in b.columns.items()}
    assert sorted(col["approved"]) == sorted([(stale.id, True), (fresh.id, False)])
    assert col["contacted"] == [(moved.id, False)]
    assert col["contracted"] == [(done.id, False)]  # a finished deal is never stale
    assert b.stale_count == 1
    assert [c.view.match.id for c in pipeline.board(session, stale_days=14, stale_only=True).columns["approved"]] == [stale.id]
    assert b.columns["contracted"][0].contract.amount_wan == Decimal("120.50")


def test_allowed_moves() -> None:
    assert pipeline.allowed_moves("approved") == ["contacted", "negotiating", "contracted", "closed"]
    assert pipeline.allowed_moves("rejected") == []
    assert pipeline.allowed_moves("proposed") == []


def test_concurrent_signing_records_one_contract(engine, session: Session) -> None:  # type: ignore[no-untyped-def]
    import threading

    from sqlmodel import Session as S

    from web.services.errors import Conflict

    staffers = [make_user(session, role="staff") for _ in range(8)]
    m = make_proposal(session, status="negotiating")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        with S(engine) as s:
            barrier.wait()
            try:
                pipeline.move_match(s, match_id=m.id, to_status="contracted", actor_id=staffers[i].id,
                                    contract=ContractInput(str(10 + i), "2022-03-01", "技术咨询"))
                outcomes.append("won")
            except (Conflict, InvalidTransition):
                outcomes.append("lost")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Contract)).one() == 1
    assert session.exec(select(func.count()).select_from(MatchEvent)).one() == 1
    assert session.exec(select(func.count()).select_from(Notification)).one() == 2

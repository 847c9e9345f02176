"""The deal pipeline (撮合看板): approved matches through to a signed contract or a close."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from models import Contract, Match, MatchEvent, User
from models.match import (
    IN_PROGRESS,
    MATCH_STATUS_LABELS,
    PIPELINE_STAGES,
    TRANSITIONS,
    MatchStatus,
)
from web.presentation.times import default_today
from web.services import audit, dictionaries
from web.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from web.services.matches.staff_views import (
    StaffMatchView,
    either_name_like,
    involving,
    load_staff_views,
    staff_select,
    staff_view,
)
from web.services.notifications import Target, notify

AMOUNT_CEILING_WAN = Decimal("1000000")  # 100 亿元: anything above is a typing slip
EARLIEST_SIGNING = date(2000, 1, 1)
NOTE_MAX = 1000


@dataclass
class Card:
    view: StaffMatchView
    last_move_at: datetime
    stale: bool
    contract: Contract | None = None

    @property
    def days_since_move(self) -> int:
        return max(0, (datetime.now(UTC) - self.last_move_at).days)


@dataclass
class Board:
    columns: dict[str, list[Card]] = field(default_factory=dict)
    stale_days: int = 14

    @property
    def stale_count(self) -> int:
        return sum(c.stale for cards in self.columns.values() for c in cards)


@dataclass(frozen=True)
class ContractInput:
    amount_wan: Any
    signed_on: Any
    contract_type: str
    registration_no: str | None = None


def _last_moves(session: Session, match_ids: list[int]) -> dict[int, datetime]:
    if not match_ids:
        return {}
    rows = session.exec(select(MatchEvent.match_id, func.max(MatchEvent.created_at))
                        .where(col(MatchEvent.match_id).in_(match_ids))
                        .group_by(MatchEvent.match_id)).all()
    return {mid: at for mid, at in rows if at is not None}


def _cards(session: Session, views: list[StaffMatchView], stale_days: int) -> list[Card]:
    ids = [v.match.id for v in views if v.match.id is not None]
    moves = _last_moves(session, ids)
    contracts = {c.match_id: c for c in session.exec(
        select(Contract).where(col(Contract.match_id).in_(ids))).all()} if ids else {}
    now = datetime.now(UTC)
    cards = []
    for v in views:
        m = v.match
        last = moves.get(m.id or 0) or m.decided_at or m.updated_at or m.created_at
        stale = m.status in IN_PROGRESS and now - last >= timedelta(days=stale_days)
        cards.append(Card(v, last, stale, contracts.get(m.id)))  # type: ignore[arg-type]
    return cards


def board(session: Session, *, stale_days: int, org: str | None = None,
          stale_only: bool = False) -> Board:
    """All matches in the pipeline, by column, with stale ones flagged."""
    stmt = staff_select().where(col(Match.status).in_(PIPELINE_STAGES))
    if org:
        stmt = stmt.where(either_name_like(org))
    stmt = stmt.order_by(col(Match.updated_at).desc(), col(Match.id).desc())
    cards = _cards(session, load_staff_views(session, stmt), stale_days)
    result = Board({s: [] for s in PIPELINE_STAGES}, stale_days)
    for card in cards:
        if stale_only and not card.stale:
            continue
        result.columns[card.view.match.status].append(card)
    for cards_in_column in result.columns.values():
        cards_in_column.sort(key=lambda c: c.last_move_at)  # the longest-waiting first
    return result


def card(session: Session, *, match_id: int, stale_days: int) -> Card:
    """One match of any status as a pipeline card."""
    return _cards(session, [staff_view(session, match_id)], stale_days)[0]


@dataclass
class EventRow:
    event: MatchEvent
    actor_name: str


def history(session: Session, *, match_id: int) -> list[EventRow]:
    """Every transition of a match, oldest first, with who made it."""
    rows = session.exec(select(MatchEvent, User).join(User, col(User.id) == MatchEvent.actor_id, isouter=True)
                        .where(MatchEvent.match_id == match_id)
                        .order_by(col(MatchEvent.created_at), col(MatchEvent.id))).all()
    return [EventRow(e, (u.display_name or u.username) if u else "系统") for e, u in rows]


def allowed_moves(status: MatchStatus) -> list[MatchStatus]:
    """The pipeline moves staff may make from ``status`` (approval itself is the queue's job)."""
    return [s for s in PIPELINE_STAGES if s in TRANSITIONS.get(status, frozenset()) and s != MatchStatus.approved]


def validate_contract(data: ContractInput, *, contract_types: Collection[str],
                      today: date | None = None) -> ContractInput:
    """Parse and check a contract: 0 < amount < ceiling (万元, two decimals), date not in the future."""
    today = today or default_today()
    errors: dict[str, str] = {}
    amount: Decimal | None = None
    raw_amount = "" if data.amount_wan is None else str(data.amount_wan).strip()
    try:
        if not raw_amount:
            raise InvalidOperation
        amount = Decimal(raw_amount.replace(",", ""))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount_wan"] = ("合同金额应为数字（单位：万元）" if raw_amount
                                else "请填写合同金额（单位：万元）")
    else:
        if amount <= 0:
            errors["amount_wan"] = "合同金额必须大于 0 万元"
        elif amount >= AMOUNT_CEILING_WAN:
            errors["amount_wan"] = f"合同金额超出合理范围（应小于 {AMOUNT_CEILING_WAN:,} 万元），请核对单位"
        elif amount != amount.quantize(Decimal("0.01")):
            errors["amount_wan"] = "合同金额最多保留两位小数"
    signed: date | None = None
    if isinstance(data.signed_on, date):
        signed = data.signed_on
    elif data.signed_on is None or not str(data.signed_on).strip():
        errors["signed_on"] = "请填写签约日期"
    else:
        try:
            signed = date.fromisoformat(str(data.signed_on).strip())
        except ValueError:
            errors["signed_on"] = "签约日期格式应为 YYYY-MM-DD"
    if signed is not None:
        if signed > today:
            errors["signed_on"] = "签约日期不能晚于今天"
        elif signed < EARLIEST_SIGNING:
            errors["signed_on"] = "签约日期过早，请核对"
    if data.contract_type not in contract_types:  # the active 字典管理 contract types
        errors["contract_type"] = "请选择合同类型：" + "、".join(contract_types)
    reg = (data.registration_no or "").strip() or None
    if reg and len(reg) > 64:
        errors["registration_no"] = "登记号过长"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors=errors)
    return ContractInput(amount.quantize(Decimal("0.01")), signed, data.contract_type, reg)  # type: ignore[union-attr]


def move_match(session: Session, *, match_id: int, to_status: str, actor_id: int, note: str = "",
               contract: ContractInput | None = None, today: date | None = None) -> Match:
    """Move a match along the pipeline; signing records its contract in the same transaction."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"备注不能超过 {NOTE_MAX} 字", field="note")
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound("未找到该匹配")
    current = match.status
    if to_status not in MATCH_STATUS_LABELS:
        raise ValidationFailed("未知的目标状态", field="to_status")
    to_status = MatchStatus(to_status)
    if to_status not in allowed_moves(current):
        raise InvalidTransition(f"当前状态为“{MATCH_STATUS_LABELS.get(current, current)}”，"
                                f"不能变更为“{MATCH_STATUS_LABELS[to_status]}”")
    checked: ContractInput | None = None
    if to_status == MatchStatus.contracted:
        if contract is None:
            raise ValidationFailed("签约须填写技术合同信息", field="amount_wan")
        checked = validate_contract(contract, today=today, contract_types=[
            code for code, _ in dictionaries.options(session, "contract_type")])
    now = datetime.now(UTC)
    result = session.exec(update(Match).where(col(Match.id) == match_id, col(Match.status) == current)
                          .values(status=to_status, updated_at=now)
                          .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[union-attr]
        session.rollback()
        raise Conflict("该匹配已被其他专员更新，请刷新后重试")
    session.add(MatchEvent(match_id=match_id, actor_id=actor_id, from_status=current,
                           to_status=to_status, note=note))
    audit.record(session, actor_id=actor_id, action="match.move", object_type="match", object_id=match_id,
                 detail={"from": current.value, "to": to_status.value, **({"note": note} if note else {})})
    if checked is not None:
        c = Contract(match_id=match_id, amount_wan=checked.amount_wan, signed_on=checked.signed_on,
                     contract_type=checked.contract_type, registration_no=checked.registration_no,
                     created_by=actor_id)
        session.add(c)
        session.flush()
        audit.record(session, actor_id=actor_id, action="contract.create", object_type="contract",
                     object_id=c.id, detail={"match_id": match_id, "amount_wan": str(checked.amount_wan),
                                             "signed_on": checked.signed_on.isoformat(),  # type: ignore[union-attr]
                                             "contract_type": checked.contract_type})
    view = staff_view(session, match_id)
    label = MATCH_STATUS_LABELS[to_status]
    for org in (view.enterprise, view.provider):
        notify(session, org_id=org.id, kind="pipeline", title=f"匹配进展：{label}",
               body=f"需求“{view.need.title}”与服务“{view.offer.title}”的撮合进展更新为“{label}”。",
               target=Target("match", match_id), match_id=match_id,
               dedupe_key=f"pipeline:match:{match_id}:{to_status.value}")
    session.commit()
    match = session.get(Match, match_id)
    assert match is not None
    return match


@dataclass
class ContractRow:
    contract: Contract
    view: StaffMatchView


def list_contracts(session: Session, *, org_id: int | None = None) -> list[ContractRow]:
    """Signed contracts, newest first; optionally those of one organisation (either side)."""
    stmt = staff_select().where(Match.status == MatchStatus.contracted)
    if org_id is not None:
        stmt = stmt.where(involving(org_id))
    views = {v.match.id: v for v in load_staff_views(session, stmt)}
    if not views:
        return []
    contracts = session.exec(select(Contract).where(col(Contract.match_id).in_(list(views)))
                             .order_by(col(Contract.signed_on).desc(), col(Contract.id).desc())).all()
    return [ContractRow(c, views[c.match_id]) for c in contracts]

"""After signing: correct a contract's figures or void it, always with a reason, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import Contract, Match, MatchEvent
from models.match import MatchStatus
from web.services import audit, dictionaries
from web.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from web.services.matches.pipeline import ContractInput, validate_contract
from web.services.matches.staff_views import staff_view
from web.services.notifications import Target, notify

REASON_MAX = 500
_FIELD_LABELS = {"amount_wan": "合同金额", "signed_on": "签约日期", "contract_type": "合同类型",
                 "registration_no": "登记号"}


def _reason(raw: str, what: str) -> str:
    reason = (raw or "").strip()
    if not reason:
        raise ValidationFailed(f"请填写{what}原因", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"{what}原因不能超过 {REASON_MAX} 字", field="reason")
    return reason


def active_contract(session: Session, *, match_id: int) -> Contract:
    """The signed, not voided contract of a match; else NotFound."""
    contract = session.exec(select(Contract).where(Contract.match_id == match_id)).first()
    if contract is None or contract.voided_at is not None:
        raise NotFound("该匹配没有有效的技术合同")
    return contract


def _tell_both_sides(session: Session, *, match_id: int, title: str, body: str, key: str) -> None:
    view = staff_view(session, match_id)
    for org in (view.enterprise, view.provider):
        notify(session, org_id=org.id, kind="pipeline", title=title,
               body=f"需求“{view.need.title}”与服务“{view.offer.title}”：{body}",
               target=Target("match", match_id), match_id=match_id, dedupe_key=key)


def correct_contract(session: Session, *, match_id: int, actor_id: int, data: ContractInput, reason: str,
                     today: date | None = None) -> Contract:
    """Correct a signed contract's figures (staff); the old and new values go to the audit log."""
    reason = _reason(reason, "更正")
    contract = active_contract(session, match_id=match_id)
    # The contract's own type stays valid even if 字典管理 has retired it since.
    types = [code for code, _ in dictionaries.options(session, "contract_type")] + [contract.contract_type]
    checked = validate_contract(data, today=today, contract_types=types)
    before = {k: getattr(contract, k) for k in _FIELD_LABELS}
    after = {k: getattr(checked, k) for k in _FIELD_LABELS}
    changed = {k: [str(before[k] or ""), str(after[k] or "")] for k in _FIELD_LABELS if before[k] != after[k]}
    if not changed:
        raise ValidationFailed("合同信息没有变化；如需更正，请修改后再提交", field="amount_wan")
    for key, value in after.items():
        setattr(contract, key, value)
    session.add(contract)
    session.add(MatchEvent(match_id=match_id, actor_id=actor_id, from_status=MatchStatus.contracted,
                           to_status=MatchStatus.contracted, note=f"更正合同：{reason}"))
    audit.record(session, actor_id=actor_id, action="contract.correct", object_type="contract",
                 object_id=contract.id, detail={"match_id": match_id, "reason": reason, "changes": changed})
    what = "、".join(_FIELD_LABELS[k] for k in changed)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    _tell_both_sides(session, match_id=match_id, title="技术合同信息已更正",
                     body=f"服务专员更正了{what}（原因：{reason}）。", key=f"contract:{contract.id}:correct:{stamp}")
    session.commit()
    return contract


def void_contract(session: Session, *, match_id: int, actor_id: int, reason: str) -> Contract:
    """Void a signed contract (staff): the match closes without a deal and the amount stops counting."""
    reason = _reason(reason, "作废")
    contract = active_contract(session, match_id=match_id)
    match = session.get(Match, match_id)
    if match is None or match.status != MatchStatus.contracted:
        raise InvalidTransition("只有已签约的匹配可以作废合同")
    now = datetime.now(UTC)
    result = session.exec(update(Match).where(col(Match.id) == match_id, col(Match.status) == MatchStatus.contracted)
                          .values(status=MatchStatus.closed, updated_at=now)
                          .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[union-attr]
        session.rollback()
        raise Conflict("该匹配已被其他专员更新，请刷新后重试")
    contract.voided_at, contract.voided_by, contract.void_reason = now, actor_id, reason
    session.add(contract)
    session.add(MatchEvent(match_id=match_id, actor_id=actor_id, from_status=MatchStatus.contracted,
                           to_status=MatchStatus.closed, note=f"合同作废：{reason}"))
    audit.record(session, actor_id=actor_id, action="contract.void", object_type="contract",
                 object_id=contract.id, detail={
                     "match_id": match_id, "reason": reason, "amount_wan": str(contract.amount_wan),
                     "signed_on": contract.signed_on.isoformat(), "contract_type": contract.contract_type})
    _tell_both_sides(session, match_id=match_id, title="技术合同已作废",
                     body=f"服务专员作废了该技术合同（原因：{reason}），撮合已关闭。",
                     key=f"contract:{contract.id}:void")
    session.commit()
    return contract

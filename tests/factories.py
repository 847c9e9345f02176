"""Plain builders for test data: make_x(session, **overrides) -> committed row."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from matcher.text import tokenize, tokenizer_version
from models import Need, Offer, Organisation, User
from models.credit_code import make_credit_code
from web.services.accounts.auth import hash_password

_seq = itertools.count(1)
PASSWORD = "Passw0rd-test"
_HASH = hash_password(PASSWORD)  # hashing once keeps the suite fast


def _save(session: Session, row: Any) -> Any:
    """Commit one row and load it back (ids, defaults)."""
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def make_org(session: Session, **overrides: Any) -> Organisation:
    n = next(_seq)
    values: dict[str, Any] = dict(
        name=f"测试机构{n}有限公司", kind="enterprise", credit_code=make_credit_code("120105", 900000 + n),
        region="河北区", description="测试用机构", employees=50, revenue_wan=Decimal("1200.50"),
        contact_name="张经理", contact_phone="022-26000000", contact_email=f"org{n}@example.com",
    )
    values.update(overrides)
    org = Organisation(**values)
    return _save(session, org)


def make_user(session: Session, *, role: str = "enterprise", org: Organisation | None = None,
              **overrides: Any) -> User:
    n = next(_seq)
    values: dict[str, Any] = dict(username=f"user{n}", password_hash=_HASH, role=role,
                                  display_name=f"用户{n}", org_id=org.id if org else None)
    values.update(overrides)
    user = User(**values)
    return _save(session, user)


def _posting_tokens(title: str, description: str) -> str:
    return " ".join(tokenize(f"{title}\n{description}"))


def make_need(session: Session, *, org: Organisation, **overrides: Any) -> Need:
    values: dict[str, Any] = dict(org_id=org.id, title="工业机器人视觉检测技术攻关",
                                  description="需要基于AI视觉的零部件表面缺陷检测方案", category="技术攻关",
                                  budget_wan=Decimal("50"), status="open")
    values.update(overrides)
    values.setdefault("tokens", _posting_tokens(values["title"], values["description"]))
    values.setdefault("tokens_version", tokenizer_version())
    need = Need(**values)
    return _save(session, need)


def make_offer(session: Session, *, org: Organisation, **overrides: Any) -> Offer:
    values: dict[str, Any] = dict(org_id=org.id, title="AI视觉缺陷检测解决方案",
                                  description="提供基于深度学习的工业视觉检测系统，适用于零部件表面缺陷检测",
                                  category="技术攻关", price_wan=Decimal("30"), status="open")
    values.update(overrides)
    values.setdefault("tokens", _posting_tokens(values["title"], values["description"]))
    values.setdefault("tokens_version", tokenizer_version())
    offer = Offer(**values)
    return _save(session, offer)


def make_proposal(session: Session, *, need: Need | None = None, offer: Offer | None = None,
                  **overrides: Any) -> Any:
    """A match (default: proposed by the engine at 0.6) between a new or given need and offer."""
    from models import Match

    if need is None:
        need = make_need(session, org=make_org(session))
    if offer is None:
        offer = make_offer(session, org=make_org(session, kind="intermediary"))
    values: dict[str, Any] = dict(need_id=need.id, offer_id=offer.id, score=0.6, text_score=0.5,
                                  reasons={"terms": [["视觉", 0.4], ["缺陷检测", 0.3]],
                                           "signals": [["category", "类别相同", 0.1]]},
                                  status="proposed", source="engine")
    values.update(overrides)
    match = Match(**values)
    return _save(session, match)


def make_signed_contract(session: Session, *, match: Any, **overrides: Any) -> Any:
    """A signed contract on ``match`` (sets the match to contracted)."""
    from datetime import date

    from models import Contract

    values: dict[str, Any] = dict(match_id=match.id, amount_wan=Decimal("120.50"),
                                  signed_on=date(2022, 6, 1), contract_type="技术开发")
    values.update(overrides)
    contract = Contract(**values)
    match.status = "contracted"
    session.add(match)
    return _save(session, contract)


# --- dashboard builders (indicators, qualifications, matches, contracts) -------------


def make_qualification(session: Session, *, org: Organisation, kind: str = "高新技术企业",
                       year_granted: int = 2021, expires_on: Any = None, **overrides: Any) -> Any:
    from models import Qualification

    q = Qualification(org_id=org.id, kind=kind, year_granted=year_granted, expires_on=expires_on, **overrides)
    return _save(session, q)


def make_match(session: Session, *, need: Need, offer: Offer, status: str = "proposed",
               **overrides: Any) -> Any:
    from models import Match

    values: dict[str, Any] = dict(need_id=need.id, offer_id=offer.id, score=0.5, status=status)
    values.update(overrides)
    match = Match(**values)
    return _save(session, match)


def make_match_event(session: Session, *, match: Any, to_status: str, **overrides: Any) -> Any:
    from models import MatchEvent

    event = MatchEvent(match_id=match.id, to_status=to_status, **overrides)
    return _save(session, event)


def make_contract(session: Session, *, match: Any, amount_wan: str | Decimal = "100",
                  signed_on: Any = None, contract_type: str = "技术开发", **overrides: Any) -> Any:
    from datetime import date

    from models import Contract

    contract = Contract(match_id=match.id, amount_wan=Decimal(str(amount_wan)),
                        signed_on=signed_on or date(2022, 6, 1), contract_type=contract_type, **overrides)
    return _save(session, contract)


def make_actual(session: Session, *, number: int, year: int, value: str | Decimal,
                source: str = "区统计局（测试）", **overrides: Any) -> Any:
    from sqlmodel import select

    from models import Indicator, IndicatorActual

    ind = session.exec(select(Indicator).where(Indicator.number == number)).one()
    actual = IndicatorActual(indicator_id=ind.id, year=year, value=Decimal(str(value)), source=source,
                             **overrides)
    return _save(session, actual)

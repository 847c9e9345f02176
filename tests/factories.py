"""Plain builders for test data: make_x(session, **overrides) -> committed row."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from matcher.text import tokenize
from models import Need, Offer, Organisation, User
from models.credit_code import make_credit_code
from web.services.accounts import hash_password

_seq = itertools.count(1)
PASSWORD = "Passw0rd-test"
_HASH = hash_password(PASSWORD)  # hashing once keeps the suite fast


def make_org(session: Session, **overrides: Any) -> Organisation:
    n = next(_seq)
    values: dict[str, Any] = dict(
        name=f"测试机构{n}有限公司", kind="enterprise", credit_code=make_credit_code("120105", 900000 + n),
        region="河北区", description="测试用机构", employees=50, revenue_wan=Decimal("1200.50"),
        contact_name="张经理", contact_phone="022-26000000", contact_email=f"org{n}@example.com",
    )
    values.update(overrides)
    org = Organisation(**values)
    session.add(org)
    session.commit()
    session.refresh(org)
    return org


def make_user(session: Session, *, role: str = "enterprise", org: Organisation | None = None,
              **overrides: Any) -> User:
    n = next(_seq)
    values: dict[str, Any] = dict(username=f"user{n}", password_hash=_HASH, role=role,
                                  display_name=f"用户{n}", org_id=org.id if org else None)
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def _posting_tokens(title: str, description: str) -> str:
    return " ".join(tokenize(f"{title}\n{description}"))


def make_need(session: Session, *, org: Organisation, **overrides: Any) -> Need:
    values: dict[str, Any] = dict(org_id=org.id, title="工业机器人视觉检测技术攻关",
                                  description="需要基于AI视觉的零部件表面缺陷检测方案", category="技术攻关",
                                  budget_wan=Decimal("50"), status="open")
    values.update(overrides)
    values.setdefault("tokens", _posting_tokens(values["title"], values["description"]))
    need = Need(**values)
    session.add(need)
    session.commit()
    session.refresh(need)
    return need


def make_offer(session: Session, *, org: Organisation, **overrides: Any) -> Offer:
    values: dict[str, Any] = dict(org_id=org.id, title="AI视觉缺陷检测解决方案",
                                  description="提供基于深度学习的工业视觉检测系统，适用于零部件表面缺陷检测",
                                  category="技术攻关", price_wan=Decimal("30"), status="open")
    values.update(overrides)
    values.setdefault("tokens", _posting_tokens(values["title"], values["description"]))
    offer = Offer(**values)
    session.add(offer)
    session.commit()
    session.refresh(offer)
    return offer

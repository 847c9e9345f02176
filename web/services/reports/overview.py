"""Public figures for the landing page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from models import Match, Need, Offer, Organisation
from models.match import MatchStatus
from models.posting import NeedStatus, OfferStatus


@dataclass(frozen=True)
class Stat:
    label: str
    value: int


def landing_stats(session: Session) -> list[Stat]:
    """Counts shown on the home page (no private data)."""

    def count(stmt) -> int:  # type: ignore[no-untyped-def]
        return session.exec(stmt).one()

    return [
        Stat("入驻企业", count(select(func.count()).select_from(Organisation)
                               .where(Organisation.kind == "enterprise"))),
        Stat("服务机构", count(select(func.count()).select_from(Organisation)
                               .where(Organisation.kind != "enterprise"))),
        Stat("发布中的需求", count(select(func.count()).select_from(Need).where(Need.status == NeedStatus.open))),
        Stat("发布中的服务", count(select(func.count()).select_from(Offer).where(Offer.status == OfferStatus.open))),
        Stat("已撮合签约", count(select(func.count()).select_from(Match)
                                .where(Match.status == MatchStatus.contracted))),
    ]

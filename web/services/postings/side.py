"""The two sides of the platform: needs (需求, posted by enterprises) and offers (服务/成果, posted
by service providers). Whatever differs between them is a field here, so code that serves
both asks the side instead of branching on its name or on a role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import Need, Offer
from models.match import Match
from models.posting import NeedStatus, OfferStatus


@dataclass(frozen=True)
class Side:
    """One side of a match: its table, its owner, its words."""

    name: str  # need | offer
    plural: str  # needs | offers: URL and API segment
    model: Any  # Need | Offer
    label: str  # 需求 | 服务
    badge: str  # the colour of the side's badge on staff pages
    role: str  # the role that owns postings of this side: enterprise | provider
    owner_label: str  # 企业 | 服务机构
    money_field: str
    money_label: str
    closed_status: NeedStatus | OfferStatus  # closed | withdrawn
    close_verb: str  # 关闭 | 撤回
    # The posting statuses of this side, in lifecycle order; draft and open on both sides.
    statuses: type[NeedStatus] | type[OfferStatus]
    key_prefix: str  # the engine's id prefix: n12, o40
    match_key: str  # the Match column that holds this side's posting: need_id | offer_id
    interest_field: str  # the Match flag this side sets when interested
    example_title: str  # placeholder of the form's title field
    keeps_qualifications: bool  # the owners record qualifications (高新技术企业 …) on their profile
    recommended_as: str  # what a posting of this side is called when shown to the other side
    recommendations_heading: str  # above a posting's recommendations
    form_hint: str  # above the posting form

    @property
    def other(self) -> Side:
        """The side this one is matched with."""
        return OFFER if self is NEED else NEED

    def key(self, posting_id: int) -> str:
        """The engine's id of one posting of this side."""
        return f"{self.key_prefix}{posting_id}"

    def posting_id(self, key: str) -> int:
        """The database id behind an engine id of this side."""
        return int(key[len(self.key_prefix):])

    def match_column(self) -> Any:
        return getattr(Match, self.match_key)

    def match_org_column(self) -> Any:
        """The Match column that holds the organisation owning this side's posting."""
        return getattr(Match, f"{self.name}_org_id")

    def own_posting_id(self, match: Match) -> int:
        return getattr(match, self.match_key)

    def is_interested(self, match: Match) -> bool:
        return bool(getattr(match, self.interest_field))


NEED = Side(name="need", plural="needs", model=Need, label="需求", badge="info", role="enterprise", owner_label="企业",
            money_field="budget_wan", money_label="预算", closed_status=NeedStatus.closed, close_verb="关闭",
            statuses=NeedStatus, key_prefix="n", match_key="need_id",
            interest_field="enterprise_interested", example_title="如：工业机器人视觉检测技术攻关",
            keeps_qualifications=True, recommended_as="企业需求", recommendations_heading="推荐的服务机构",
            form_hint="描述越具体（技术难点、应用场景、期望成果），推荐越准确。发布后平台立即为您匹配服务机构，"
                      "并把需求推送给对方（对方在审核通过前看不到贵单位名称）。")
OFFER = Side(name="offer", plural="offers", model=Offer, label="服务", badge="ok", role="provider", owner_label="服务机构",
             money_field="price_wan", money_label="参考价格", closed_status=OfferStatus.withdrawn, close_verb="撤回",
             statuses=OfferStatus, key_prefix="o", match_key="offer_id",
             interest_field="provider_interested", example_title="如：AI视觉缺陷检测解决方案",
             keeps_qualifications=False, recommended_as="推荐服务", recommendations_heading="推荐的企业需求",
             form_hint="写明服务内容、技术领域、成功案例，推荐越准确。发布后平台立即匹配企业需求并推送给对方。")
SIDES: dict[str, Side] = {"need": NEED, "offer": OFFER}
SIDE_OF_ROLE: dict[str, Side] = {"enterprise": NEED, "provider": OFFER}

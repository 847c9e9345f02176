"""缺什么补什么: a pooled enterprise's gaps, the offers the matcher ranks for each, and a gap
posted as a need for the enterprise with its consent on record.

A gap is matched like a need: its words go through the same tokenizer and the same index
(:class:`IndexHolder`) that matches every posted need, so the offers beside a gap are the
ones the platform would recommend had the enterprise posted it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from matcher import Posting, tokenize
from models import GapNeed, Need, Offer, Organisation, Pool, Rule
from models.posting import OfferStatus
from web.presentation.times import default_today
from web.services import audit, dictionaries
from web.services.cultivation import pools, rulesets
from web.services.cultivation.rules import Evaluation, RuleResult, evaluate
from web.services.errors import NotFound, ValidationFailed
from web.services.matching.index import IndexHolder
from web.services.postings import lifecycle
from web.services.postings.form import validate
from web.services.postings.side import NEED, OFFER

OFFERS_PER_GAP = 5
CONSENT_CHANNELS = ("电话确认", "书面确认", "走访当面确认", "平台留言确认")
NO_SERVICE = "该条件无法通过服务弥补（如成立年限），到期后自然满足。"


@dataclass(frozen=True)
class OfferHit:
    offer: Offer
    provider: Organisation
    score: float
    terms: list[str]


@dataclass(frozen=True)
class Gap:
    result: RuleResult
    offers: list[OfferHit]
    posted: list[GapNeed] = field(default_factory=list)


@dataclass(frozen=True)
class GapPage:
    pool: Pool
    org: Organisation
    evaluation: Evaluation | None
    gaps: list[Gap]
    as_of: date


def text_posting(key: str, text: str, *, category: str | None, region: str | None) -> Posting | None:
    """Words looked for as a need would be; None when they hold no token."""
    tokens = tuple(tokenize(text)) if text else ()
    if not tokens:
        return None
    return Posting(id=key, category=category, region=region, tokens=tokens)


def gap_posting(result: RuleResult, *, region: str | None) -> Posting | None:
    """The gap as the engine sees a need; None when no service can close it."""
    return text_posting(f"gap-{result.rule_id}", result.gap_text, category=result.gap_category, region=region)


def offers_for(session: Session, holder: IndexHolder, posting: Posting | None,
               top: int = OFFERS_PER_GAP) -> list[OfferHit]:
    """Open offers for a need-like posting, best first, as the matcher ranks them."""
    if posting is None:
        return []
    holder.sync(session)
    found = holder.match(NEED, posting, top)
    ids = [OFFER.posting_id(m.offer_id) for m in found]
    if not ids:
        return []
    rows = {o.id: (o, org) for o, org in session.exec(
        select(Offer, Organisation).join(Organisation, col(Organisation.id) == Offer.org_id)
        .where(col(Offer.id).in_(ids), Offer.status == OfferStatus.open)).all()}
    return [OfferHit(rows[i][0], rows[i][1], float(m.score), [t for t, _ in m.terms][:5])
            for i, m in zip(ids, found, strict=True) if i in rows]


def ranked_offers(session: Session, holder: IndexHolder, result: RuleResult, *, region: str | None,
                  top: int = OFFERS_PER_GAP) -> list[OfferHit]:
    """Open offers for one gap, best first, as the matcher ranks them."""
    return offers_for(session, holder, gap_posting(result, region=region), top)


def _member(session: Session, pool_id: int, org_id: int) -> tuple[Pool, Organisation]:
    pool = pools.get_pool(session, pool_id)
    if pools.active_membership(session, pool_id=pool_id, org_id=org_id) is None:
        raise NotFound("该企业不在此库中")
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("未找到该企业")
    return pool, org


def evaluation_for(session: Session, *, org: Organisation, qualification: str, as_of: date) -> Evaluation | None:
    view = rulesets.rule_set_for(session, qualification=qualification, year=as_of.year)
    return evaluate(view.rule_set, view.rules, org, as_of=as_of) if view else None


def gap_page(session: Session, holder: IndexHolder, *, pool_id: int, org_id: int,
             as_of: date | None = None) -> GapPage:
    """Every rule with its status and distance, and ranked offers beside each failed or unknown one."""
    pool, org = _member(session, pool_id, org_id)
    as_of = as_of or default_today()
    ev = evaluation_for(session, org=org, qualification=pool.qualification, as_of=as_of)
    posted: dict[int | None, list[GapNeed]] = {}
    for g in session.exec(select(GapNeed).where(GapNeed.org_id == org_id).order_by(col(GapNeed.id))).all():
        posted.setdefault(g.rule_id, []).append(g)
    gaps = [Gap(r, ranked_offers(session, holder, r, region=org.region), posted.get(r.rule_id, []))
            for r in (ev.gaps if ev else [])]
    return GapPage(pool, org, ev, gaps, as_of)


def need_draft(result: RuleResult) -> dict[str, Any]:
    """What the need form starts with for a gap; staff edit it with the enterprise.

    A need is seen by providers, so the draft names the service wanted and none of the
    enterprise's private figures (the distance stays on the staff page)."""
    return {"title": f"{result.gap_category or '资质培育'}服务需求：{result.label[:60]}",
            "description": f"为满足资质认定条件「{result.label}」，需要以下方面的服务：{result.gap_text}。",
            "category": result.gap_category or ""}


def _consent(values: dict[str, Any], today: date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if str(values.get("consent_confirmed", "")).lower() not in ("1", "on", "true", "yes"):
        errors["consent_confirmed"] = "须先征得企业同意，并勾选确认"
    by = str(values.get("consent_by") or "").strip()
    if not by:
        errors["consent_by"] = "请填写表示同意的企业人员"
    elif len(by) > 50:
        errors["consent_by"] = "同意人不能超过50字"
    channel = str(values.get("consent_channel") or "").strip()
    if channel not in CONSENT_CHANNELS:
        errors["consent_channel"] = "请选择确认方式"
    on = None
    try:
        on = date.fromisoformat(str(values.get("consent_on") or "").strip())
    except ValueError:
        errors["consent_on"] = "同意日期格式应为 YYYY-MM-DD"
    if on is not None and on > today:
        errors["consent_on"] = "同意日期不能晚于今天"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return {"consent_by": by, "consent_channel": channel, "consent_on": on}


def post_gap_need(session: Session, holder: IndexHolder, *, pool_id: int, org_id: int, rule_id: int,
                  actor_id: int, values: dict[str, Any], today: date | None = None) -> Need:
    """Post a need for the enterprise from one of its gaps, with its consent recorded. Commits.

    Everything is checked before anything is written: the need is posted (and matched at
    once, like any need) and the consent recorded only when both are valid.
    """
    _, org = _member(session, pool_id, org_id)
    rule = session.get(Rule, rule_id)
    if rule is None:
        raise NotFound("未找到该条件")
    today = today or default_today()
    errors: dict[str, str] = {}
    try:
        consent = _consent(values, today)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        validate(NEED, values, categories={code for code, _ in dictionaries.options(session, "category")},
                 today=today)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)

    def record_consent(need: Need) -> None:
        session.add(GapNeed(org_id=org_id, need_id=need.id or 0, rule_id=rule_id, rule_label=rule.label[:100],
                            recorded_by=actor_id, **consent))
        audit.record(session, actor_id=actor_id, action="gap.post_need", object_type="need", object_id=need.id,
                     detail={"org_id": org.id, "rule": rule.label[:100], "consent_by": consent["consent_by"],
                             "consent_channel": consent["consent_channel"],
                             "consent_on": consent["consent_on"].isoformat()})

    # The need and its consent record are one transaction: never a need without the consent.
    return lifecycle.create(session, holder, NEED, org_id=org_id, actor_id=actor_id, values=values,
                            with_posting=record_consent, today=today)

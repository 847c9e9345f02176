"""Needs (需求) and offers (服务/成果): post, save as draft, edit, publish, close, reopen, list.

Every write that leaves a posting open pushes matches at once. A draft (草稿) is private
to its organisation: it is never put in the match index, so it is never recommended to
the other side and never matched until it is published."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlmodel import Session, col, func, or_, select

from models import Need, Offer, Organisation
from models.posting import DESCRIPTION_MAX, TITLE_MAX
from web.services import audit, dictionaries
from web.services.errors import InvalidTransition, NotFound, ValidationFailed
from web.services.matching import proposals
from web.services.matching.proposals import IndexHolder
from web.services.organisations.records import parse_money
from web.services.paging import Page

INDUSTRY_MAX = 32
PER_PAGE_MAX = 100


@dataclass(frozen=True)
class Side:
    """What differs between needs and offers."""

    name: str  # need | offer
    model: type
    label: str  # 需求 | 服务
    money_field: str
    money_label: str
    closed_status: str
    role: str

    def key(self, posting_id: int) -> str:
        return proposals.need_key(posting_id) if self.name == "need" else proposals.offer_key(posting_id)


NEED = Side("need", Need, "需求", "budget_wan", "预算", "closed", "enterprise")
OFFER = Side("offer", Offer, "服务", "price_wan", "参考价格", "withdrawn", "provider")
SIDES = {"need": NEED, "offer": OFFER}


def validate(side: Side, values: dict[str, Any], *, categories: Container[str],
             today: date | None = None) -> dict[str, Any]:
    """Check a posting form; returns clean values or raises ValidationFailed(errors=...)."""
    errors: dict[str, str] = {}
    title = str(values.get("title") or "").strip()
    description = str(values.get("description") or "").strip()
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过{TITLE_MAX}个字"
    if not description:
        errors["description"] = f"请填写{side.label}描述"
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = f"描述不能超过{DESCRIPTION_MAX}个字"
    category = str(values.get("category") or "").strip()
    if category not in categories:  # the active 字典管理 categories (plus, on edit, the posting's own)
        errors["category"] = "请选择平台服务类别中的一项" if category else "请选择服务类别"
    industry = str(values.get("industry") or "").strip() or None
    if industry and len(industry) > INDUSTRY_MAX:
        errors["industry"] = f"产业方向不能超过{INDUSTRY_MAX}个字"
    money = parse_money(errors, values, side.money_field, side.money_label)
    deadline = None
    raw = values.get("deadline")
    if isinstance(raw, date):
        deadline = raw
    elif raw is not None and str(raw).strip():
        try:
            deadline = date.fromisoformat(str(raw).strip())
        except ValueError:
            errors["deadline"] = "截止日期格式应为 YYYY-MM-DD"
    if deadline is not None and deadline < (today or date.today()):
        errors["deadline"] = "截止日期不能早于今天"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return {"title": title, "description": description, "category": category,
            "industry": industry, side.money_field: money, "deadline": deadline}


def get_own(session: Session, side: Side, *, posting_id: int, org_id: int | None) -> Any:
    """A posting of the caller's organisation; anyone else's is NotFound (ids do not leak)."""
    row = session.get(side.model, posting_id)
    if row is None or org_id is None or row.org_id != org_id:
        raise NotFound(f"未找到该{side.label}")
    return row


def _push(session: Session, holder: IndexHolder, side: Side, row: Any, org: Organisation, *,
          actor_id: int, threshold: float, top: int, note: str = "内容更新后重新推荐") -> int:
    posting = (proposals.need_posting(row, org) if side.name == "need"
               else proposals.offer_posting(row, org))
    return proposals.propose(session, holder, side=side.name, posting=posting, posting_id=row.id,
                            threshold=threshold, top=top, actor_id=actor_id, revived_note=note)


def create(session: Session, holder: IndexHolder, side: Side, *, org_id: int, actor_id: int,
           values: dict[str, Any], draft: bool = False, threshold: float = proposals.DEFAULT_THRESHOLD,
           top: int = proposals.DEFAULT_TOP) -> Any:
    """Post a need or offer (matched at once, proposals pushed) or save it as a draft. Commits."""
    clean = validate(side, values, categories={code for code, _ in dictionaries.options(session, "category")})
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("未找到该机构")
    # updated_at on creation too: other workers' index sync looks back over it, which also
    # catches rows whose ids were committed out of order by concurrent writers.
    row = side.model(org_id=org_id, created_by=actor_id, status="draft" if draft else "open",
                     tokens=proposals.join_tokens(clean["title"], clean["description"]),
                     updated_at=datetime.now(UTC), **clean)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action=f"{side.name}.{'draft' if draft else 'create'}",
                 object_type=side.name, object_id=row.id, detail={"title": clean["title"]})
    if not draft:
        _push(session, holder, side, row, org, actor_id=actor_id, threshold=threshold, top=top)
    session.commit()
    return row


def edit(session: Session, holder: IndexHolder, side: Side, *, posting_id: int, org_id: int,
         actor_id: int, values: dict[str, Any], threshold: float = proposals.DEFAULT_THRESHOLD,
         top: int = proposals.DEFAULT_TOP) -> Any:
    """Change an open posting (proposals refreshed) or a draft (stays private). Commits."""
    row = get_own(session, side, posting_id=posting_id, org_id=org_id)
    if row.status not in ("open", "draft"):
        raise InvalidTransition(f"该{side.label}已关闭，不能再修改")
    # A category retired since the posting was written stays valid on it, not on new ones.
    categories = {code for code, _ in dictionaries.options(session, "category")} | {row.category}
    clean = validate(side, values, categories=categories)
    for key, value in clean.items():
        setattr(row, key, value)
    row.tokens = proposals.join_tokens(clean["title"], clean["description"])
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action=f"{side.name}.update", object_type=side.name,
                 object_id=row.id, detail={"title": clean["title"]})
    if row.status == "open":
        org = session.get(Organisation, org_id)
        assert org is not None
        _push(session, holder, side, row, org, actor_id=actor_id, threshold=threshold, top=top)
    session.commit()
    return row


def close(session: Session, holder: IndexHolder | None, side: Side, *, posting_id: int,
          org_id: int, actor_id: int) -> Any:
    """Close a need (or withdraw an offer): it leaves the index, its proposals are withdrawn."""
    row = get_own(session, side, posting_id=posting_id, org_id=org_id)
    if row.status == side.closed_status:
        raise InvalidTransition(f"该{side.label}已经关闭")
    if row.status == "draft":
        raise InvalidTransition(f"该{side.label}是草稿，尚未发布，无需关闭")
    row.status = side.closed_status
    row.updated_at = datetime.now(UTC)
    session.add(row)
    note = "需求已关闭，推荐撤回" if side.name == "need" else "服务已撤回，推荐撤回"
    proposals.withdraw_proposals(session, holder, side=side.name, posting_id=posting_id,
                                actor_id=actor_id, note=note)
    audit.record(session, actor_id=actor_id, action=f"{side.name}.close", object_type=side.name,
                 object_id=row.id)
    session.commit()
    return row


def _open_again(session: Session, holder: IndexHolder, side: Side, row: Any, *, org_id: int,
                actor_id: int, action: str, note: str, threshold: float, top: int) -> Any:
    if row.deadline is not None and row.deadline < date.today():
        raise InvalidTransition(f"该{side.label}的截止日期已过，请先修改截止日期")
    row.status = "open"
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action=f"{side.name}.{action}", object_type=side.name,
                 object_id=row.id)
    org = session.get(Organisation, org_id)
    assert org is not None
    _push(session, holder, side, row, org, actor_id=actor_id, threshold=threshold, top=top, note=note)
    session.commit()
    return row


def publish(session: Session, holder: IndexHolder, side: Side, *, posting_id: int, org_id: int,
            actor_id: int, threshold: float = proposals.DEFAULT_THRESHOLD,
            top: int = proposals.DEFAULT_TOP) -> Any:
    """Publish a draft: it is matched at once and pushed, as a new posting is. Commits."""
    row = get_own(session, side, posting_id=posting_id, org_id=org_id)
    if row.status != "draft":
        raise InvalidTransition(f"该{side.label}不是草稿，无需发布")
    return _open_again(session, holder, side, row, org_id=org_id, actor_id=actor_id,
                       action="publish", note="草稿发布后推荐", threshold=threshold, top=top)


def reopen(session: Session, holder: IndexHolder, side: Side, *, posting_id: int, org_id: int,
           actor_id: int, threshold: float = proposals.DEFAULT_THRESHOLD,
           top: int = proposals.DEFAULT_TOP) -> Any:
    """Reopen a closed need or withdrawn offer before its deadline; it is matched again.

    Proposals withdrawn at closing come back as proposed if they still reach the
    threshold; the other side is not told again about a pair it already heard of. Commits.
    """
    row = get_own(session, side, posting_id=posting_id, org_id=org_id)
    if row.status != side.closed_status:
        raise InvalidTransition(f"该{side.label}未关闭，无需重新开放")
    return _open_again(session, holder, side, row, org_id=org_id, actor_id=actor_id,
                       action="reopen", note=f"{side.label}重新开放后恢复推荐", threshold=threshold, top=top)


@dataclass(frozen=True)
class PostingFilter:
    status: str | None = None
    category: str | None = None
    q: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def list_postings(session: Session, side: Side, *, org_id: int | None, filters: PostingFilter,
                  page: int = 1, per_page: int = 20) -> Page:
    """One page of postings (an organisation's own, or all for staff), newest first."""
    model = side.model
    conds = []
    if org_id is not None:
        conds.append(model.org_id == org_id)
    else:  # staff see every organisation's postings, but never their drafts
        conds.append(model.status != "draft")
    if filters.status:
        conds.append(model.status == filters.status)
    if filters.category:
        conds.append(model.category == filters.category)
    if filters.q:
        like = f"%{filters.q.strip()[:50]}%"
        conds.append(or_(col(model.title).like(like), col(model.description).like(like)))
    if filters.date_from:
        conds.append(col(model.created_at) >= _day_start(filters.date_from))
    if filters.date_to:
        conds.append(col(model.created_at) < _day_start(filters.date_to) + _ONE_DAY)
    per_page = max(1, min(per_page, PER_PAGE_MAX))
    page = max(1, page)
    total = session.exec(select(func.count()).select_from(model).where(*conds)).one()
    stmt = (select(model).where(*conds).order_by(col(model.id).desc())
            .offset((page - 1) * per_page).limit(per_page))
    return Page(items=list(session.exec(stmt).all()), total=total, page=page, per_page=per_page)


_ONE_DAY = datetime(2000, 1, 2) - datetime(2000, 1, 1)

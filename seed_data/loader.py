"""Read and check the demo data files; every row is checked before anything is written.

A broken row raises :class:`SeedError` naming the file and the row (line number for
JSON Lines, index and key for JSON), so the caller can refuse to load anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import SQLModel

from matcher.taxonomy import CATEGORIES
from models import IndicatorActual, Need, Offer, Organisation, Qualification
from models.credit_code import InvalidCreditCode, normalise_credit_code
from models.organisation import PROVIDER_KINDS, CreditStanding, OrgKind, QualificationKind
from models.posting import NeedStatus, OfferStatus

DEMO_DIR = Path(__file__).parent / "demo"
ORGS_FILE, NEEDS_FILE, OFFERS_FILE, ACTUALS_FILE = (
    "organisations.json", "needs.jsonl", "offers.jsonl", "indicator_actuals.json")
_CENT = Decimal("0.01")
_QUOTES = str.maketrans("", "", "\"'“”‘’「」")


class SeedError(ValueError):
    """A demo data file or one of its rows is wrong; nothing has been loaded."""

    def __init__(self, path: Path | str, row: str, message: str) -> None:
        self.path, self.row, self.message = Path(path), row, message
        super().__init__(f"{path}: {row}: {message}")


class _RowError(Exception):
    """Raised inside a row check; the file reader adds the file and row."""


@dataclass(frozen=True)
class OrgRow:
    key: str
    values: dict[str, Any]  # Organisation columns
    qualifications: list[dict[str, Any]] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)  # (org_key, relation)


@dataclass(frozen=True)
class PostingRow:
    key: str
    org_key: str
    values: dict[str, Any]  # Need/Offer columns except org_id, deadline and tokens
    deadline_days: int | None = None


@dataclass(frozen=True)
class ActualRow:
    indicator: str  # canonical name, as in PLAN_INDICATORS
    year: int
    values: dict[str, Any]  # value, source, source_date, note


@dataclass(frozen=True)
class DemoData:
    directory: Path
    orgs: list[OrgRow]
    needs: list[PostingRow]
    offers: list[PostingRow]
    actuals: list[ActualRow]


def read_demo(directory: Path | str | None = None, *, indicator_names: list[str]) -> DemoData:
    """Read and check the four demo files in ``directory`` (default: seed_data/demo)."""
    d = Path(directory) if directory is not None else DEMO_DIR
    orgs = _read_orgs(d / ORGS_FILE)
    kinds = {o.key: o.values["kind"] for o in orgs}
    needs = _read_postings(d / NEEDS_FILE, kinds, need=True)
    offers = _read_postings(d / OFFERS_FILE, kinds, need=False)
    actuals = _read_actuals(d / ACTUALS_FILE, indicator_names)
    return DemoData(directory=d, orgs=orgs, needs=needs, offers=offers, actuals=actuals)


# ------------------------------------------------------------------ file readers
def _load_json_list(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(path, "文件", "文件不存在") from None
    except json.JSONDecodeError as exc:
        raise SeedError(path, f"第{exc.lineno}行", f"不是合法的 JSON：{exc.msg}") from None
    if not isinstance(data, list):
        raise SeedError(path, "文件", "顶层应为 JSON 数组")
    return data


def _json_row_label(i: int, item: Any) -> str:
    key = item.get("key") if isinstance(item, dict) else None
    return f"第{i + 1}条 (index {i}" + (f", key={key})" if key else ")")


def _read_orgs(path: Path) -> list[OrgRow]:
    rows: list[OrgRow] = []
    seen: dict[str, dict[Any, str]] = {"key": {}, "name": {}, "credit_code": {}}
    items = _load_json_list(path)
    for i, item in enumerate(items):
        label = _json_row_label(i, item)
        try:
            row = _org_row(item)
            for what, value in (("key", row.key), ("name", row.values["name"]),
                                ("credit_code", row.values["credit_code"])):
                if value in seen[what]:
                    raise _RowError(f"{what} 重复：{value}（与 {seen[what][value]} 相同）")
                seen[what][value] = label
        except _RowError as exc:
            raise SeedError(path, label, str(exc)) from None
        rows.append(row)
    for i, row in enumerate(rows):  # related parties may point forward in the file
        for other, _ in row.related:
            if other not in seen["key"]:
                raise SeedError(path, _json_row_label(i, items[i]), f"关联方 org_key 不存在：{other}")
            if other == row.key:
                raise SeedError(path, _json_row_label(i, items[i]), "关联方不能是机构自身")
    return rows


def _read_postings(path: Path, kinds: dict[str, str], *, need: bool) -> list[PostingRow]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise SeedError(path, "文件", "文件不存在") from None
    rows: list[PostingRow] = []
    keys: dict[str, int] = {}
    titles: dict[tuple[str, str], int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        label = f"第{lineno}行"
        try:
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _RowError(f"不是合法的 JSON：{exc.msg}") from None
            row = _posting_row(item, kinds, need=need)
            if row.key in keys:
                raise _RowError(f"key 重复：{row.key}（与第{keys[row.key]}行相同）")
            natural = (row.org_key, row.values["title"])
            if natural in titles:
                raise _RowError(f"同一机构的标题重复：{row.values['title']}（与第{titles[natural]}行相同）")
        except _RowError as exc:
            raise SeedError(path, label, str(exc)) from None
        keys[row.key] = titles[natural] = lineno
        rows.append(row)
    return rows


def _read_actuals(path: Path, indicator_names: list[str]) -> list[ActualRow]:
    canonical = {n.translate(_QUOTES): n for n in indicator_names}
    rows: list[ActualRow] = []
    seen: dict[tuple[str, int, str], str] = {}
    for i, item in enumerate(_load_json_list(path)):
        label = f"第{i + 1}条 (index {i})"
        try:
            obj = _obj(item)
            name = canonical.get(_text(obj, "indicator", required=True).translate(_QUOTES))
            if name is None:
                raise _RowError(f"未知指标：{obj['indicator']}（应为行动计划的七项指标之一）")
            year = _int(obj, "year", required=True, lo=2000, hi=2100)
            values = dict(value=_decimal(obj, "value", required=True, places=None),
                          source=_text(obj, "source", required=True),
                          source_date=_date(obj, "source_date"), note=_text(obj, "note"))
            _validate(IndicatorActual, dict(values, indicator_id=0, year=year))
            dup = (name, year, values["source"])
            if dup in seen:
                raise _RowError(f"同一指标、年份和来源重复（与 {seen[dup]} 相同）")
        except _RowError as exc:
            raise SeedError(path, label, str(exc)) from None
        seen[dup] = label
        rows.append(ActualRow(indicator=name, year=year, values=values))
    return rows


# ------------------------------------------------------------------ row checks
def _org_row(item: Any) -> OrgRow:
    obj = _obj(item)
    key = _text(obj, "key", required=True)
    kind = _text(obj, "kind", required=True)
    if kind not in OrgKind.__members__:
        raise _RowError(f"机构类型 kind 无效：{kind}（应为 {', '.join(OrgKind.__members__)}）")
    try:
        code = normalise_credit_code(_text(obj, "credit_code", required=True))
    except InvalidCreditCode as exc:
        raise _RowError(f"credit_code {obj['credit_code']}: {exc}") from None
    credit = _obj(obj.get("credit") or {}, "credit")
    standing = _text(credit, "standing") or None
    if standing is not None and standing not in CreditStanding.__members__:
        raise _RowError(f"信用状况 credit.standing 无效：{standing}")
    contact = _obj(obj.get("contact") or {}, "contact")
    share = contact.get("share", True)
    if not isinstance(share, bool):
        raise _RowError("contact.share 应为 true 或 false")
    values = dict(
        name=_text(obj, "name", required=True), kind=kind, credit_code=code,
        region=_text(obj, "region") or "河北区", street=_text(obj, "street") or None,
        industry=_text(obj, "industry") or None, description=_text(obj, "description"),
        employees=_int(obj, "employees", lo=0), revenue_wan=_decimal(obj, "revenue_wan"),
        rd_spending_wan=_decimal(obj, "rd_spending_wan"),
        invention_patents=_int(obj, "invention_patents", lo=0) or 0,
        total_patents=_int(obj, "total_patents", lo=0) or 0,
        credit_standing=standing, credit_source=_text(credit, "source") or None,
        credit_date=_date(credit, "date"), contact_name=_text(contact, "name") or None,
        contact_phone=_text(contact, "phone") or None,
        contact_email=_text(contact, "email") or None, share_contacts=share, is_demo=True,
    )
    _validate(Organisation, values)
    quals: list[dict[str, Any]] = []
    for q in _list(obj, "qualifications"):
        q = _obj(q, "qualifications[]")
        qkind = _text(q, "kind", required=True)
        if qkind not in {k.value for k in QualificationKind}:
            raise _RowError(f"资质类型无效：{qkind}（应为 {'、'.join(k.value for k in QualificationKind)}）")
        qv = dict(kind=qkind, year_granted=_int(q, "year_granted", required=True, lo=1990, hi=2100),
                  expires_on=_date(q, "expires_on"))
        if any((x["kind"], x["year_granted"]) == (qkind, qv["year_granted"]) for x in quals):
            raise _RowError(f"资质重复：{qkind} {qv['year_granted']}")
        _validate(Qualification, dict(qv, org_id=0))
        quals.append(qv)
    related: list[tuple[str, str]] = []
    for r in _list(obj, "related"):
        r = _obj(r, "related[]")
        pair = (_text(r, "org_key", required=True), _text(r, "relation", required=True))
        if any(p[0] == pair[0] for p in related):
            raise _RowError(f"关联方重复：{pair[0]}")
        related.append(pair)
    return OrgRow(key=key, values=values, qualifications=quals, related=related)


def _posting_row(item: Any, kinds: dict[str, str], *, need: bool) -> PostingRow:
    obj = _obj(item)
    key = _text(obj, "key", required=True)
    org_key = _text(obj, "org_key", required=True)
    if org_key not in kinds:
        raise _RowError(f"org_key 不存在：{org_key}")
    if need and kinds[org_key] != "enterprise":
        raise _RowError(f"需求只能由企业发布，{org_key} 的类型是 {kinds[org_key]}")
    if not need and kinds[org_key] not in PROVIDER_KINDS:
        raise _RowError(f"服务只能由服务机构发布，{org_key} 的类型是 {kinds[org_key]}")
    category = _text(obj, "category", required=True)
    if category not in CATEGORIES:
        raise _RowError(f"服务类别无效：{category}（应为 {'、'.join(CATEGORIES)}）")
    statuses = NeedStatus if need else OfferStatus
    status = _text(obj, "status") or statuses.open
    if status not in statuses.__members__:
        raise _RowError(f"状态 status 无效：{status}（应为 {', '.join(statuses.__members__)}）")
    values = dict(title=_text(obj, "title", required=True), description=_text(obj, "description"),
                  category=category, industry=_text(obj, "industry") or None, status=status)
    deadline_days = None
    if need:
        values["budget_wan"] = _decimal(obj, "budget_wan")
        deadline_days = _int(obj, "deadline_days", lo=1, hi=3650)
    else:
        values["price_wan"] = _decimal(obj, "price_wan")
    _validate(Need if need else Offer, dict(values, org_id=0))
    return PostingRow(key=key, org_key=org_key, values=values, deadline_days=deadline_days)


# ------------------------------------------------------------------ field helpers
def _obj(item: Any, what: str = "行") -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _RowError(f"{what} 应为 JSON 对象")
    return item


def _list(obj: dict[str, Any], name: str) -> list[Any]:
    value = obj.get(name) or []
    if not isinstance(value, list):
        raise _RowError(f"{name} 应为数组")
    return value


def _text(obj: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = obj.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _RowError(f"{name} 应为字符串")
    value = value.strip()
    if required and not value:
        raise _RowError(f"缺少字段 {name}")
    return value


def _int(obj: dict[str, Any], name: str, *, required: bool = False, lo: int | None = None,
         hi: int | None = None) -> int | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise _RowError(f"缺少字段 {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _RowError(f"{name} 应为整数：{value!r}")
    if lo is not None and value < lo:
        raise _RowError(f"{name} 不能小于 {lo}：{value}")
    if hi is not None and value > hi:
        raise _RowError(f"{name} 不能大于 {hi}：{value}")
    return value


def _decimal(obj: dict[str, Any], name: str, *, required: bool = False,
             places: Decimal | None = _CENT) -> Decimal | None:
    """Money (万元) and indicator values: exact decimals, never negative, never floats."""
    value = obj.get(name)
    if value is None:
        if required:
            raise _RowError(f"缺少字段 {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _RowError(f"{name} 应为数字：{value!r}")
    try:
        number = Decimal(str(value).strip())  # str() first: 0.1 stays 0.1, not a binary float
    except InvalidOperation:
        raise _RowError(f"{name} 应为数字：{value!r}") from None
    if not number.is_finite():
        raise _RowError(f"{name} 应为有限数字：{value!r}")
    if number < 0:
        raise _RowError(f"{name} 不能为负数：{value}")
    return number.quantize(places, rounding=ROUND_HALF_UP) if places else number


def _date(obj: dict[str, Any], name: str) -> date | None:
    value = obj.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _bad_date(name, value)
    except ValueError:
        return _bad_date(name, value)


def _bad_date(name: str, value: Any) -> date:
    raise _RowError(f"{name} 应为 YYYY-MM-DD 格式的日期：{value!r}")


def _validate(model: type[SQLModel], values: dict[str, Any]) -> None:
    """Check lengths and bounds against the table's own field rules."""
    try:
        model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        ctx = err.get("ctx") or {}
        if err["type"] == "string_too_long":
            raise _RowError(f"{where} 过长（最多{ctx.get('max_length')}个字符）") from None
        raise _RowError(f"{where}: {err['msg']}") from None

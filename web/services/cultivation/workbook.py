"""Pools in Excel: export members and gap lists; import members all-or-nothing, with every bad
row and column named (the same rules and messages as the indicator import)."""

from __future__ import annotations

from datetime import date, tzinfo

from sqlmodel import Session, select

from models import Organisation, PoolMember
from models.credit_code import InvalidCreditCode, normalise_credit_code
from web.presentation.times import default_today
from web.services import audit, excel_import
from web.services.cultivation import gaps, pools
from web.services.cultivation.rules import COUNTING_RULE
from web.services.excel import Sheet, workbook_bytes
from web.services.excel_import import CellError, ImportRejected, cell_text
from web.services.matching.index import IndexHolder

MEMBERS_SHEET = "入库企业"
IMPORT_HEADERS = ("统一社会信用代码", "企业名称", "入库理由")
_FIELDS = {"统一社会信用代码": "code", "企业名称": "name", "入库理由": "reason"}
MAX_IMPORT_COLUMNS = 20
def export_members(session: Session, *, pool_id: int, tz: tzinfo) -> bytes:
    """The pool's members now, and every stay with who added and removed it and why."""
    pool = pools.get_pool(session, pool_id)
    now = [[m.org.credit_code, m.org.name, m.member.reason, m.member.added_at, m.added_by]
           for m in pools.members(session, pool_id=pool_id)]
    history = [[m.org.credit_code, m.org.name, m.member.added_at, m.added_by, m.member.reason,
                m.member.left_at, m.left_by if m.member.left_at else "", m.member.left_reason or ""]
               for m in pools.members(session, pool_id=pool_id, current=False)]
    return workbook_bytes([
        Sheet(MEMBERS_SHEET, [*IMPORT_HEADERS, "入库时间", "入库人"], now),
        Sheet("入库出库记录", ["统一社会信用代码", "企业名称", "入库时间", "入库人", "入库理由", "出库时间", "出库人",
                         "出库原因"], history),
        Sheet("说明", ["说明"], [[f"{pool.name}（对照{pool.qualification}认定条件）"],
                               ["“入库企业”工作表可直接作为导入模板使用。"]]),
    ], tz=tz)


def export_gaps(session: Session, holder: IndexHolder, *, pool_id: int, as_of: date | None = None) -> bytes:
    """Every member's rules with status, figure, requirement, distance and the top matched offers."""
    pool = pools.get_pool(session, pool_id)
    as_of = as_of or default_today()
    rows = []
    for m in pools.members(session, pool_id=pool_id):
        ev = gaps.evaluation_for(session, org=m.org, qualification=pool.qualification, as_of=as_of)
        for r in ev.results if ev else []:
            offers = gaps.ranked_offers(session, holder, r, region=m.org.region, top=3) if r.is_gap else []
            rows.append([m.org.credit_code, m.org.name, r.label, r.status_label, r.value, r.required, r.distance,
                         "；".join(f"{h.offer.title}（{h.provider.name}）" for h in offers)])
    return workbook_bytes([
        Sheet("缺口清单", ["统一社会信用代码", "企业名称", "条件", "状态", "企业数据", "要求", "差距", "平台匹配的服务"], rows),
        Sheet("说明", ["说明"], [[f"{pool.name}，对照{pool.qualification}认定条件，判断日期 {as_of}。"],
                               [COUNTING_RULE]]),
    ])


def import_template() -> bytes:
    return workbook_bytes([
        Sheet(MEMBERS_SHEET, IMPORT_HEADERS, []),
        Sheet("填写说明", ["说明"], [
            ["在“入库企业”工作表中每行填写一家企业；第一行为表头，请勿修改。"],
            ["统一社会信用代码：18位，须为已在平台注册的企业；企业名称可不填，填写时须与平台登记一致。"],
            ["入库理由：必填，不超过200字。任一行有误时整个文件都不会导入。"],
        ]),
    ])


def import_members(session: Session, *, pool_id: int, actor_id: int, data: bytes, filename: str,
                   max_bytes: int) -> int:
    """Put the file's enterprises into the pool: every row, or none; returns how many."""
    pool = pools.get_pool(session, pool_id)
    if not filename.lower().endswith(".xlsx"):
        raise ImportRejected("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板；.xls、.csv 等格式不支持）")
    rows = excel_import.read_rows(data, max_bytes=max_bytes, sheet=MEMBERS_SHEET,
                                  max_columns=MAX_IMPORT_COLUMNS)
    if not rows:
        raise ImportRejected("文件中没有数据：请在“入库企业”工作表中按模板填写")
    columns = excel_import.header_columns(rows[0], _FIELDS)
    excel_import.reject_missing_columns(
        [h for h, f in _FIELDS.items() if f in ("code", "reason") and f not in columns])
    inside = set(session.exec(select(PoolMember.org_id).where(PoolMember.pool_id == pool_id,
                                                              PoolMember.left_at == None)).all())  # noqa: E711
    errors: list[CellError] = []
    pending: list[tuple[int, str]] = []
    seen: dict[int, int] = {}
    for row_no, row in enumerate(rows[1:], start=2):
        def cell(field: str, row: tuple = row) -> str:  # type: ignore[type-arg]
            i = columns.get(field)
            return cell_text(row[i]) if i is not None and i < len(row) else ""

        if all(cell_text(v) == "" for v in row):
            continue
        bad = len(errors)
        org = None
        try:
            code = normalise_credit_code(cell("code"))
        except InvalidCreditCode as exc:
            errors.append(CellError(row_no, "统一社会信用代码", str(exc)))
        else:
            org = session.exec(select(Organisation).where(Organisation.credit_code == code)).first()
            if org is None:
                errors.append(CellError(row_no, "统一社会信用代码", f"平台中没有信用代码为 {code} 的机构"))
            elif org.kind != "enterprise":
                errors.append(CellError(row_no, "统一社会信用代码", f"“{org.name}”不是企业，不能入库"))
                org = None
        name = cell("name")
        if org is not None and name and name != org.name:
            errors.append(CellError(row_no, "企业名称", f"“{name[:30]}”与该信用代码登记的名称“{org.name}”不一致"))
        if org is not None and org.id in inside:
            errors.append(CellError(row_no, "统一社会信用代码", f"“{org.name}”已在{pool.name}中"))
        elif org is not None and org.id in seen:
            errors.append(CellError(row_no, "统一社会信用代码", f"与第{seen[org.id]}行重复"))
        try:
            reason = pools.check_reason(cell("reason"))
        except ValueError as exc:
            errors.append(CellError(row_no, "入库理由", str(exc)))
            reason = ""
        if org is not None:
            seen.setdefault(org.id or 0, row_no)
        if len(errors) == bad and org is not None:
            pending.append((org.id or 0, reason))
    excel_import.reject_bad_rows(errors, accepted=len(pending))
    for org_id, reason in pending:
        session.add(PoolMember(pool_id=pool_id, org_id=org_id, reason=reason, added_by=actor_id))
    audit.record(session, actor_id=actor_id, action="pool.import", object_type="pool", object_id=pool_id,
                 detail={"filename": filename[:100], "rows": len(pending), "org_ids": [o for o, _ in pending][:200]})
    session.commit()
    return len(pending)

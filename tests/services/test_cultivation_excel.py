"""Pools, gap lists, visits and 诉求 in Excel; the pool import is all-or-nothing with row and column named."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from models import AuditLog, PoolMember
from models.credit_code import make_credit_code
from tests.factories import make_offer, make_org, make_user
from web.presentation.times import default_today
from web.services.cultivation import pools, workbook
from web.services.excel_import import ImportRejected
from web.services.liaison import appeals, exports, visits
from web.services.matching.index import IndexHolder

MAX = 5 * 1024 * 1024


def _xlsx(rows: list[list[object]], headers: tuple[str, ...] | list[str] = workbook.IMPORT_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = workbook.MEMBERS_SHEET
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _members(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(PoolMember)).one()


@pytest.fixture
def pool(session: Session) -> object:
    p = pools.pool_by_kind(session, "hitech")
    session.commit()
    return p


def test_import_adds_every_row(session: Session, pool: object) -> None:
    staff = make_user(session, role="staff")
    a, b = make_org(session), make_org(session)
    n = workbook.import_members(session, pool_id=pool.id, actor_id=staff.id, filename="入库.xlsx", max_bytes=MAX,
                                data=_xlsx([[a.credit_code, a.name, "研发投入高"], [b.credit_code, None, "专利多"]]))
    assert n == 2
    rows = {m.org.id: m.member.reason for m in pools.members(session, pool_id=pool.id)}
    assert rows == {a.id: "研发投入高", b.id: "专利多"}
    assert session.exec(select(AuditLog).where(AuditLog.action == "pool.import")).one().detail["rows"] == 2


def test_import_rejects_the_whole_file_naming_rows_and_columns(session: Session, pool: object) -> None:
    staff = make_user(session, role="staff")
    good, inside = make_org(session), make_org(session)
    provider = make_org(session, kind="intermediary")
    pools.add_members(session, pool_id=pool.id, org_ids=[inside.id], actor_id=staff.id, reason="已在库")
    before = _members(session)
    data = _xlsx([
        [good.credit_code, good.name, "好的一行"],                       # 2: fine, yet not imported
        ["91120105MA05X1234", None, "x"],                               # 3: bad code (17 chars)
        [make_credit_code("120105", 777777), None, "x"],                # 4: valid code, no such org
        [provider.credit_code, None, "x"],                              # 5: not an enterprise
        [good.credit_code, "别的名字有限公司", "x"],                      # 6: name mismatch + duplicate of row 2
        [inside.credit_code, None, ""],                                 # 7: already in pool + no reason
        [],                                                             # blank lines are harmless
    ])
    with pytest.raises(ImportRejected) as exc:
        workbook.import_members(session, pool_id=pool.id, actor_id=staff.id, data=data, filename="a.xlsx",
                                max_bytes=MAX)
    got = {(e.row, e.column) for e in exc.value.cell_errors}
    assert got == {(3, "统一社会信用代码"), (4, "统一社会信用代码"), (5, "统一社会信用代码"), (6, "企业名称"),
                   (6, "统一社会信用代码"), (7, "统一社会信用代码"), (7, "入库理由")}
    assert "未导入任何数据" in exc.value.message
    messages = {(e.row, e.column): e.message for e in exc.value.cell_errors}
    assert "与第2行重复" in messages[(6, "统一社会信用代码")] and "已在" in messages[(7, "统一社会信用代码")]
    session.rollback()
    assert _members(session) == before


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "a.xlsx", "空的"),
    (b"id,name\n1,2\n", "a.csv", ".xlsx"),
    (b"not a zip at all", "a.xlsx", ".xlsx"),
    (None, "a.xlsx", "缺少该列"),
])
def test_unreadable_files_change_nothing(session: Session, pool: object, data: bytes | None, filename: str,
                                         message: str) -> None:
    staff = make_user(session, role="staff")
    if data is None:
        data = _xlsx([["x"]], headers=["企业名称"])
    with pytest.raises(ImportRejected) as exc:
        workbook.import_members(session, pool_id=pool.id, actor_id=staff.id, data=data, filename=filename,
                                max_bytes=MAX)
    assert message in exc.value.message or any(message in e.message for e in exc.value.cell_errors)
    session.rollback()
    assert _members(session) == 0


def test_export_members_round_trips_into_the_import(session: Session, pool: object) -> None:
    staff = make_user(session, role="staff", display_name="导出专员")
    org = make_org(session)
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="=SUM(1)")
    data = workbook.export_members(session, pool_id=pool.id, tz=ZoneInfo("Asia/Shanghai"))
    wb = load_workbook(io.BytesIO(data))
    rows = list(wb[workbook.MEMBERS_SHEET].iter_rows(values_only=True))
    assert rows[1][:3] == (org.credit_code, org.name, "'=SUM(1)") and rows[1][4] == "导出专员"
    pools.remove_member(session, pool_id=pool.id, org_id=org.id, actor_id=staff.id, reason="测试出库")
    assert workbook.import_members(session, pool_id=pool.id, actor_id=staff.id, data=data, filename="x.xlsx",
                                   max_bytes=MAX) == 1
    assert pools.members(session, pool_id=pool.id)[0].member.reason == "=SUM(1)"


def test_gap_list_export(session: Session, pool: object) -> None:
    staff = make_user(session, role="staff")
    agency = make_org(session, kind="intermediary", name="导出测试代理所")
    make_offer(session, org=agency, title="发明专利申请代理", description="发明专利申请代理与专利布局", category="知识产权")
    org = make_org(session, invention_patents=0)
    pools.add_members(session, pool_id=pool.id, org_ids=[org.id], actor_id=staff.id, reason="x")
    wb = load_workbook(io.BytesIO(workbook.export_gaps(session, IndexHolder.from_session(session), pool_id=pool.id)))
    rows = list(wb["缺口清单"].iter_rows(values_only=True))
    assert len(rows) == 1 + 7
    ip = next(r for r in rows if str(r[2]).startswith("拥有核心自主知识产权"))
    assert ip[3] == "缺数据" and "发明专利申请代理（导出测试代理所）" in ip[7]


def test_visit_and_appeal_exports(session: Session) -> None:
    staff = make_user(session, role="staff", display_name="走访专员")
    org = make_org(session, name="导出企业")
    visits.record_visit(session, org_id=org.id, actor_id=staff.id,
                        values={"visited_on": "2026-01-15", "visitors": "走访专员", "summary": "了解融资需求"})
    a = appeals.raise_appeal(session, org_id=org.id, actor_id=staff.id, values={
        "category": "融资需求", "description": "贷款", "department": "区金融工作局",
        "deadline": (default_today() + timedelta(days=1)).isoformat()})
    appeals.add_step(session, appeal_id=a.id, actor_id=staff.id, values={"to_status": "closed", "note": "已放款"})
    v = list(load_workbook(io.BytesIO(exports.export_visits(session, tz=ZoneInfo("Asia/Shanghai"))))["走访记录"].iter_rows(values_only=True))
    assert (v[1][1], v[1][2].date(), v[1][3], v[1][4]) == ("导出企业", date(2026, 1, 15), "走访专员", "了解融资需求")
    wb = load_workbook(io.BytesIO(exports.export_appeals(session, tz=ZoneInfo("Asia/Shanghai"))))
    main = list(wb["诉求"].iter_rows(values_only=True))
    assert main[1][1] == "导出企业" and main[1][6] == "已办结" and main[1][7] == "否"
    assert [r[4] for r in list(wb["办理过程"].iter_rows(values_only=True))[1:]] == ["已受理", "已办结"]

"""Hostile .xlsx uploads: each a Chinese error before parsing, and nothing changes."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, col, select

from models import AuditLog, IndicatorActual
from tests.factories import make_user
from tests.web.conftest import login
from web.security.xlsx import MAX_UNPACKED_BYTES
from web.services.excel_import import ImportRejected
from web.services.indicators.plan import ensure_plan_indicators
from web.services.indicators.workbook import (
    ACTUALS_SHEET,
    IMPORT_HEADERS,
    import_actuals,
)

MAX = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
LAUGHS = b"".join(
    b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10)))
    for i in range(1, 10))
ENTITY_BOMB = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">' + LAUGHS + b"]>"
               b"<worksheet " + NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;'
               b"</t></is></c></row></sheetData></worksheet>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b"<worksheet " + NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is>'
       b"</c></row></sheetData></worksheet>")


@pytest.fixture
def plan(session: Session) -> Session:
    ensure_plan_indicators(session)
    session.commit()
    return session


def _xlsx(rows: int = 1) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = ACTUALS_SHEET
    ws.append(list(IMPORT_HEADERS))
    for i in range(rows):
        ws.append([1, "", 2021, 1.2, f"区统计局{i}", None, "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with_part(name: str, content: bytes, *, base: bytes | None = None) -> bytes:
    """``base`` (a good workbook) with one part replaced or added."""
    src = zipfile.ZipFile(io.BytesIO(base or _xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
        dst.writestr(name, content)
    return out.getvalue()


def _lying_sizes(data: bytes, name: str, declared: int) -> bytes:
    """Rewrite the local and central headers of ``name`` to declare ``declared`` bytes unpacked."""
    buf = bytearray(data)
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = buf.find(signature)
        while at != -1:
            length = struct.unpack_from("<H", buf, at + name_at - (2 if signature == b"PK\x03\x04" else 18))[0]
            if bytes(buf[at + name_at:at + name_at + length]) == encoded:
                struct.pack_into("<I", buf, at + size_at, declared)
            at = buf.find(signature, at + 4)
    return bytes(buf)


def _unchanged(session: Session) -> None:
    session.expire_all()
    assert session.exec(select(IndicatorActual)).all() == []
    assert session.exec(select(AuditLog).where(~col(AuditLog.action).startswith("auth."))).all() == []


def _refused(session: Session, data: bytes, message: str, filename: str = "figures.xlsx") -> None:
    with pytest.raises(ImportRejected) as caught:
        import_actuals(session, actor_id=0, data=data, filename=filename, max_bytes=MAX)
    assert message in caught.value.message
    session.rollback()
    _unchanged(session)


ZIP_BOMB_TEXT = b"<sst " + NS + b"><si><t>" + b"a" * (MAX_UNPACKED_BYTES + 1024) + b"</t></si></sst>"

HOSTILE = {
    "entity bomb in a sheet": (lambda: _with_part(SHEET, ENTITY_BOMB), "DOCTYPE"),
    "entity bomb in shared strings": (
        lambda: _with_part("xl/sharedStrings.xml", ENTITY_BOMB.replace(b"worksheet", b"sst")), "DOCTYPE"),
    "XXE reading a local file": (lambda: _with_part(SHEET, XXE), "DOCTYPE"),
    "malformed sheet XML": (lambda: _with_part(SHEET, b"<worksheet " + NS + b"><sheetData><row r='1'><c"),
                            "已损坏"),
    "number cell holding text": (lambda: _with_part(SHEET, b"<worksheet " + NS + b'><sheetData><row r="1">'
                                                    b'<c r="A1" t="n"><v>abc</v></c></row></sheetData></worksheet>'),
                                 "已损坏"),
    "zip bomb (shared strings past the unpacked limit)": (
        lambda: _with_part("xl/sharedStrings.xml", ZIP_BOMB_TEXT), "解压后过大"),
    "zip bomb lying about its size": (
        lambda: _lying_sizes(_with_part("xl/sharedStrings.xml", ZIP_BOMB_TEXT), "xl/sharedStrings.xml", 1000),
        "已损坏"),
    "more rows than one import takes": (lambda: _xlsx(rows=2001), "最多导入 2000 行"),
    "a .docx renamed": (lambda: _with_part("word/document.xml", b"<w/>", base=_with_part(
        "xl/workbook.xml", b"<x/>")).replace(b"xl/workbook.xml", b"xl/notebook.xml"), ".xlsx"),
    "a legacy .xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "另存为 .xlsx"),
    "a CSV named .xlsx": (lambda: b"id,value\n1,2\n", ".xlsx"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_workbook_is_refused_and_changes_nothing(plan: Session, case: str) -> None:
    build, message = HOSTILE[case]
    _refused(plan, build(), message)


def test_zip_bomb_is_refused_without_unpacking_it() -> None:
    from web.security.xlsx import WorkbookRefused, inspect_xlsx

    bomb = _with_part("xl/sharedStrings.xml", b"<sst>" + b"a" * (512 * 1024 * 1024) + b"</sst>")
    assert len(bomb) < MAX  # 512 MiB unpacked from well under the upload limit
    tracemalloc.start()
    with pytest.raises(WorkbookRefused, match="解压后过大"):
        inspect_xlsx(bomb, max_bytes=MAX, max_rows=2000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


def test_type_is_read_from_the_content_not_the_name(plan: Session) -> None:
    staff = make_user(plan, role="staff")
    assert import_actuals(plan, actor_id=staff.id or 0, data=_xlsx(), filename="导出的表格.CSV",
                          max_bytes=MAX) == 1


def test_the_import_page_answers_a_bomb_with_a_chinese_422(client: TestClient, plan: Session) -> None:
    token = login(client, make_user(plan, role="staff").username)
    for data in (_with_part(SHEET, ENTITY_BOMB), _with_part(SHEET, XXE),
                 _with_part("xl/sharedStrings.xml", ZIP_BOMB_TEXT)):
        r = client.post("/dashboard/import", data={"csrf_token": token},
                        files={"file": ("figures.xlsx", data, XLSX)})
        assert r.status_code == 422, r.text[:300]
        assert "未导入" in r.text or "已拒绝" in r.text
        assert "root:" not in r.text
    _unchanged(plan)


def test_openpyxl_parses_through_defusedxml() -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML is True

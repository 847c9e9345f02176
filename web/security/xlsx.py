"""Look inside an uploaded .xlsx before a spreadsheet parser does.

An .xlsx is a zip of XML files, so a small upload can unpack to gigabytes (a zip bomb),
declare entities that expand exponentially (billion laughs), or reference local files
(XXE). Every check here runs on the raw bytes with bounded memory: the type by content,
the upload size, the unpacked size the zip declares (zipfile refuses to read past it, so
a lying header fails its CRC instead), and every XML part is streamed through expat with
any DOCTYPE refused, counting the worksheet rows on the way.
"""

from __future__ import annotations

import io
import zipfile
from xml.parsers import expat

MAX_UNPACKED_BYTES = 32 * 1024 * 1024  # a 2,000-row import template unpacks to well under 1 MB
MAX_PARTS = 300
_CHUNK = 64 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and encrypted .xlsx)
_NOT_XLSX = "请上传 .xlsx 格式的 Excel 文件（可先下载导入模板；.xls、.csv 等格式不支持）"
_DAMAGED = "无法读取该 Excel 文件，文件可能已损坏；请用导入模板重新填写"


class WorkbookRefused(ValueError):
    """The upload is not a safe .xlsx; the message says why, in Chinese."""


class _Forbidden(Exception):
    pass


def inspect_xlsx(data: bytes, *, max_bytes: int, max_rows: int,
                 max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Raise WorkbookRefused unless ``data`` is an .xlsx within every limit."""
    if not data:
        raise WorkbookRefused("上传的文件是空的，请选择填写好的 .xlsx 文件")
    if len(data) > max_bytes:
        raise WorkbookRefused(f"文件过大（上限 {max_bytes // (1024 * 1024)} MB），请拆分后分批导入")
    if data.startswith(_OLE_MAGIC):
        raise WorkbookRefused("这是旧版 .xls 文件或加密的工作簿：请在 Excel 中另存为 .xlsx（不设密码）后上传")
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookRefused(_NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WorkbookRefused(_NOT_XLSX) from None
    names = {p.filename for p in parts}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookRefused(_NOT_XLSX)  # another zip (.docx, .zip) renamed
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > max_unpacked:
        raise WorkbookRefused(f"文件解压后过大（上限 {max_unpacked // (1024 * 1024)} MB），"
                              "可能是恶意构造的压缩文件，已拒绝")
    if any(p.flag_bits & 0x1 for p in parts):
        raise WorkbookRefused("工作簿已加密，请取消密码后再上传")
    for part in parts:
        if part.filename.endswith((".xml", ".rels", ".vml")):
            rows = _scan_xml(archive, part)
            if part.filename.startswith("xl/worksheets/") and rows > max_rows + 1:
                raise WorkbookRefused(f"一次最多导入 {max_rows} 行，请拆分文件")


def _scan_xml(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> int:
    """Stream one XML part through expat; refuse any DOCTYPE; return its <row> count."""
    rows = 0

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal rows
        if name == "row" or name.endswith(" row"):
            rows += 1

    def forbid(*_args: object) -> None:
        raise _Forbidden()

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    # No DOCTYPE, so no entity can be declared: no billion laughs, no external entities.
    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Forbidden:
        raise WorkbookRefused("文件中含有不允许的 XML 声明（DOCTYPE/实体），可能是恶意构造的文件，已拒绝") from None
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise WorkbookRefused(_DAMAGED) from None
    return rows

"""The responses pages send: a rendered template, or an .xlsx download."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from web.services.excel import XLSX_MEDIA_TYPE


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render ``name`` with ``context`` (the environment's globals come on top)."""
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)


def xlsx_response(data: bytes, filename: str, fallback: str = "zhengqi-export.xlsx") -> Response:
    """An Excel download: the Chinese ``filename`` for current browsers, ``fallback`` (ASCII) for the rest."""
    # RFC 6266/5987: filename* carries the UTF-8 name, filename the ASCII one.
    return Response(data, media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"})

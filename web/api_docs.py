"""The interactive API documentation, served entirely from this host.

FastAPI's built-in page loads Swagger UI from a CDN, which leaves it blank on a
government intranet; the same files ship inside the fastapi-offline package.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DOCS_PATH = "/api/docs"


def install_api_docs(app: FastAPI) -> None:
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_ASSETS), name="swagger-assets")

    @app.get(DOCS_PATH, include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        return request.app.state.templates.TemplateResponse(
            request, "api/docs.html", {"openapi_url": app.openapi_url})

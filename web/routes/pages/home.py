"""The public landing page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from web.deps import OptionalUserDep, SessionDep
from web.presentation.responses import render
from web.services import announcements
from web.services.reports.overview import landing_stats

router = APIRouter(tags=["pages"])


@router.get("/", name="home")
def home(request: Request, session: SessionDep, user: OptionalUserDep) -> Response:
    """Say what the platform is and lead each role to its login."""
    return render(
        request, "home.html", {"stats": landing_stats(session), "notices": announcements.visible(
            session, user_id=user.id if user else None, limit=5)}
    )


FAVICON = Path(__file__).resolve().parents[2] / "static" / "favicon.ico"


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask for /favicon.ico on every page; answer instead of a 404."""
    return FileResponse(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=604800"})

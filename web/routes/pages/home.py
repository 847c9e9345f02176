"""The public landing page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.deps import OptionalUserDep, SessionDep
from web.services import announcements
from web.services.reports.overview import landing_stats

router = APIRouter(tags=["pages"])


@router.get("/", name="home")
def home(request: Request, session: SessionDep, user: OptionalUserDep) -> Response:
    """Say what the platform is and lead each role to its login."""
    return request.app.state.templates.TemplateResponse(
        request, "home.html", {"stats": landing_stats(session), "notices": announcements.visible(
            session, user_id=user.id if user else None, limit=5)}
    )

"""Enterprise page: its own 诉求 and how far each has got (nothing of other enterprises)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import CurrentUser, SessionDep, require_roles, unread_badge
from web.presentation.responses import render
from web.services.liaison import appeals

router = APIRouter(prefix="/enterprise/appeals", tags=["pages"], dependencies=[Depends(unread_badge)])
EnterpriseDep = Annotated[CurrentUser, Depends(require_roles("enterprise"))]


@router.get("", name="enterprise_appeals")
def my_appeals(request: Request, session: SessionDep, user: EnterpriseDep) -> Response:
    """The enterprise's 诉求 with their status and the steps shared with it."""
    return render(request, "liaison/my_appeals.html", {
        "items": appeals.enterprise_view(session, org_id=user.org_id or 0), "STATUS": appeals.STATUS_LABELS})

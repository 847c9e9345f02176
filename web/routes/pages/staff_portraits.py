"""Staff pages: enterprise portraits (企业画像)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import SessionDep, unread_badge
from web.routes.pages.staff_common import StaffDep, render, to_int
from web.routes.params import RowId
from web.services.organisations import portraits

router = APIRouter(prefix="/staff", tags=["pages"], dependencies=[Depends(unread_badge)])
KINDS = {"enterprise": "企业", "provider": "服务机构", "all": "全部"}


@router.get("/portraits", name="staff_portraits")
def portrait_list(request: Request, session: SessionDep, user: StaffDep, q: str = "",
                  kind: str = "enterprise") -> Response:
    """Search organisations for their portrait."""
    kind = kind if kind in KINDS else "enterprise"
    page = portraits.search_organisations(session, q=q[:50], kind=kind,
                                          page=to_int(request.query_params.get("page"), lo=1) or 1)
    quals = portraits.qualifications_by_org(session, [o.id for o in page.items])
    return render(request, "staff/portraits.html", {"page": page, "q": q[:50], "kind": kind, "kinds": KINDS,
                                                    "quals": quals})


@router.get("/portraits/{org_id}", name="staff_portrait")
def portrait_detail(request: Request, session: SessionDep, user: StaffDep, org_id: RowId) -> Response:
    """One organisation's portrait: profile, innovation score, credit, related parties, history."""
    return render(request, "staff/portrait.html", {"p": portraits.get_portrait(session, org_id=org_id)})

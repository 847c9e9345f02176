"""Staff pages: enterprise portraits (企业画像)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import SessionDep, csrf_protect, unread_badge
from web.routes.pages.portal import FormDep
from web.routes.pages.staff_common import StaffDep, redirect_with, render, to_int
from web.routes.params import RowId
from web.services.errors import NotFound, ValidationFailed
from web.services.organisations import figures, portraits, records

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
def portrait_detail(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, done: str = "") -> Response:
    """One organisation's portrait: profile, innovation score, credit, related parties, history."""
    return render(request, "staff/portrait.html", {"p": portraits.get_portrait(session, org_id=org_id),
                                                   "flash": "已保存认定数据。" if done == "figures" else None})


def _figures_page(request: Request, org: object, *, values: dict | None = None,
                  errors: dict | None = None, flash: str | None = None) -> Response:
    return render(request, "staff/portrait_figures.html", {
        "org": org, "values": values, "errors": errors or {}, "flash": flash, "flash_kind": "error"},
        status_code=422 if errors else 200)


@router.get("/portraits/{org_id}/figures", name="staff_portrait_figures")
def figures_form(request: Request, session: SessionDep, user: StaffDep, org_id: RowId) -> Response:
    """Edit the figures the qualification rules read."""
    org = records.get_organisation(session, org_id)
    if org.kind != "enterprise":
        raise NotFound("未找到该企业")
    return _figures_page(request, org)


@router.post("/portraits/{org_id}/figures", name="staff_portrait_figures_save",
             dependencies=[Depends(csrf_protect)])
def save_figures(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, form: FormDep) -> Response:
    """Save them; every field is checked before anything is written."""
    try:
        figures.update_figures(session, org_id=org_id, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        session.rollback()
        return _figures_page(request, records.get_organisation(session, org_id), values=form,
                             errors=exc.errors, flash=exc.message)
    return redirect_with(f"/staff/portraits/{org_id}", done="figures")

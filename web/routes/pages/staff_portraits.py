"""Staff pages: enterprise portraits (企业画像)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import SessionDep, csrf_protect, unread_badge
from web.presentation.responses import render
from web.routes.pages.portal import FormDep
from web.routes.pages.staff_common import StaffDep, redirect_with, to_int
from web.routes.params import RowId
from web.services.errors import ValidationFailed
from web.services.organisations import portraits, stewardship

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
    held = {org_id: portraits.held_kinds(qs) for org_id, qs in quals.items()}
    return render(request, "staff/portraits.html", {"page": page, "q": q[:50], "kind": kind, "kinds": KINDS,
                                                    "quals": held})


@router.get("/portraits/{org_id}", name="staff_portrait")
def portrait_detail(request: Request, session: SessionDep, user: StaffDep, org_id: RowId) -> Response:
    """One organisation's portrait: profile, innovation score, credit, related parties, history."""
    return render(request, "staff/portrait.html", {"p": portraits.get_portrait(session, org_id=org_id)})


_EDIT_DONE = {"edited": "机构信息已保存，修改已记入审计日志。", "related_added": "已登记关联方。",
              "related_removed": "已删除该关联方记录。"}


def _edit_page(request: Request, session: SessionDep, org_id: int, *, values: dict | None = None,
               error: ValidationFailed | None = None, which: str = "", status_code: int = 200) -> Response:
    p = portraits.get_portrait(session, org_id=org_id)
    org = p.org
    current = {"name": org.name, "credit_code": org.credit_code, "credit_standing": org.credit_standing or "",
               "credit_source": org.credit_source or "",
               "credit_date": org.credit_date.isoformat() if org.credit_date else ""}
    return render(request, "staff/portrait_edit.html", {
        "p": p, "values": values if values is not None and which == "identity" else current,
        "related_values": values if which == "related" else {}, "which": which,
        "errors": error.errors if error else {}, "flash": error.message if error else
        _EDIT_DONE.get(request.query_params.get("done") or ""), "flash_kind": "error" if error else "ok",
    }, status_code=status_code)


@router.get("/portraits/{org_id}/edit", name="staff_portrait_edit")
def portrait_edit(request: Request, session: SessionDep, user: StaffDep, org_id: RowId) -> Response:
    """The form for what only staff change: name, credit code, credit standing, related parties."""
    return _edit_page(request, session, org_id)


@router.post("/portraits/{org_id}/edit", name="staff_portrait_save", dependencies=[Depends(csrf_protect)])
def portrait_save(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, form: FormDep) -> Response:
    """Save name, credit code and credit standing (audited with old and new values)."""
    try:
        stewardship.edit_identity(session, org_id=org_id, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _edit_page(request, session, org_id, values=form, error=exc, which="identity", status_code=422)
    return redirect_with(f"/staff/portraits/{org_id}/edit", done="edited")


@router.post("/portraits/{org_id}/related", name="staff_related_add", dependencies=[Depends(csrf_protect)])
def related_add(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, form: FormDep) -> Response:
    """Record a related party (audited)."""
    try:
        stewardship.add_related_party(session, org_id=org_id, actor_id=user.id, values=form)
    except ValidationFailed as exc:
        return _edit_page(request, session, org_id, values=form, error=exc, which="related", status_code=422)
    return redirect_with(f"/staff/portraits/{org_id}/edit", done="related_added")


@router.post("/portraits/{org_id}/related/{related_id}/delete", name="staff_related_remove",
             dependencies=[Depends(csrf_protect)])
def related_remove(request: Request, session: SessionDep, user: StaffDep, org_id: RowId, related_id: RowId) -> Response:
    """Remove a related party (audited)."""
    stewardship.remove_related_party(session, org_id=org_id, actor_id=user.id, related_id=related_id)
    return redirect_with(f"/staff/portraits/{org_id}/edit", done="related_removed")

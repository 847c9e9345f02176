"""The organisation's own profile in its portal, and an enterprise's qualifications."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import CurrentUser, FormDep, SessionDep, TodayDep, csrf_protect
from web.presentation.responses import render
from web.routes.params import Marker, RowId
from web.services.errors import ValidationFailed
from web.services.organisations import records
from web.services.postings.side import Side


def add_profile_pages(router: APIRouter, side: Side, member: Any) -> None:
    """Add the profile pages of ``side``'s portal to ``router`` (``member``: its user dependency)."""
    role, base = side.role, f"/{side.role}"
    ctx_base = {"side": side}

    @router.get(f"{base}/profile", name=f"{role}_profile")
    def profile(request: Request, session: SessionDep, user: member, saved: Marker = 0) -> Response:
        """The organisation's own profile (portrait fields are private to it and staff)."""
        return _profile_page(request, session, user, values=None, errors={},
                             flash="资料已保存。" if saved else None)

    def _profile_page(request: Request, session: SessionDep, user: CurrentUser, *, values: dict | None,
                      errors: dict, flash: str | None = None, status_code: int = 200) -> Response:
        org = records.get_organisation(session, user.org_id)
        quals = records.list_qualifications(session, org_id=org.id) if side.keeps_qualifications else []
        return render(request, "account/profile.html", {
            **ctx_base, "org": org, "values": values, "errors": errors, "quals": quals,
            "flash": flash,
            "flash_kind": "error" if errors else "ok"}, status_code=status_code)

    @router.post(f"{base}/profile", name=f"{role}_profile_save", dependencies=[Depends(csrf_protect)])
    def save_profile(request: Request, session: SessionDep, today: TodayDep, user: member,
                     form: FormDep) -> Response:
        """Save the profile."""
        return _save(request, session, user, form, records.update_profile, today, shown=form)

    def _save(request: Request, session: SessionDep, user: CurrentUser, form: dict[str, str],
              service: Any, today: date, *, shown: dict | None) -> Response:
        """Run ``service`` on the form; a bad value shows the profile again (with ``shown``)."""
        try:
            service(session, org_id=user.org_id or 0, actor_id=user.id, values=form, today=today)
        except ValidationFailed as exc:
            return _profile_page(request, session, user, values=shown, errors=exc.errors,
                                 flash=exc.message, status_code=422)
        return RedirectResponse(f"{base}/profile?saved=1", status_code=303)

    if side.keeps_qualifications:
        @router.post(f"{base}/profile/qualifications", name="enterprise_qualification_add",
                     dependencies=[Depends(csrf_protect)])
        def add_qualification(request: Request, session: SessionDep, today: TodayDep, user: member,
                              form: FormDep) -> Response:
            """Record a qualification (高新技术企业, 雏鹰, 瞪羚 …)."""
            return _save(request, session, user, form, records.add_qualification, today, shown=None)

        @router.post(f"{base}/profile/qualifications/{{qualification_id}}/delete",
                     name="enterprise_qualification_delete", dependencies=[Depends(csrf_protect)])
        def delete_qualification(request: Request, session: SessionDep, user: member,
                                 qualification_id: RowId) -> Response:
            """Remove one of the enterprise's qualifications."""
            records.remove_qualification(session, org_id=user.org_id or 0, actor_id=user.id,
                                         qualification_id=qualification_id)
            return RedirectResponse(f"{base}/profile?saved=1", status_code=303)

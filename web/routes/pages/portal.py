"""The enterprise and provider portals (they mirror each other).

`build_portal_router(side)` makes the router of one portal (its start page here; postings,
matches and profile in portal_postings, portal_matches and portal_profile);
web/routes/__init__.py mounts one per side. Routes parse input, call one service, then render
or redirect.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.deps import CurrentUser, SessionDep, require_roles, unread_badge
from web.presentation.responses import render
from web.routes.pages.portal_matches import add_match_pages
from web.routes.pages.portal_postings import add_posting_pages
from web.routes.pages.portal_profile import add_profile_pages
from web.routes.params import Marker
from web.services.matches import portal_summary
from web.services.postings.side import Side


def build_portal_router(side: Side) -> APIRouter:
    """The portal of one side: home, postings, matches, profile."""
    role, base = side.role, f"/{side.role}"
    member = Annotated[CurrentUser, Depends(require_roles(role))]
    router = APIRouter(tags=["pages"], dependencies=[Depends(require_roles(role)), Depends(unread_badge)])
    ctx_base = {"side": side}

    @router.get(base, name=f"{role}_home")
    def home(request: Request, session: SessionDep, user: member, welcome: Marker = 0) -> Response:
        """The portal's start page: open postings, recent matches, unread messages."""
        summary = portal_summary.portal_summary(session, side, org_id=user.org_id)
        flash = (f"注册成功，欢迎使用！下一步：发布贵单位的第一条{side.label}，平台会立即为您匹配"
                 f"{'服务机构' if side.name == 'need' else '企业需求'}并推送给对方；也可先到“机构资料”完善信息。"
                 if welcome else None)
        return render(request, f"{role}/home.html", {**ctx_base, "summary": summary, "flash": flash})

    add_posting_pages(router, side, member)
    add_match_pages(router, side, member)
    add_profile_pages(router, side, member)
    return router

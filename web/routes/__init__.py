"""Every router of the app, in one list: the JSON API first, then the HTML pages."""

from __future__ import annotations

from fastapi import APIRouter

from web.routes.api import dashboard as api_dashboard
from web.routes.api import matches as api_matches
from web.routes.api import me as api_me
from web.routes.api import meta as api_meta
from web.routes.api import notifications as api_notifications
from web.routes.api import personal_data as api_personal_data
from web.routes.api import register as api_register
from web.routes.api import staff_work as api_staff_work
from web.routes.api import users as api_users
from web.routes.api.postings import build_postings_api
from web.routes.pages import (
    account,
    admin_dicts,
    admin_jobs,
    admin_security,
    admin_users,
    announcements,
    auth,
    cultivation_pools,
    cultivation_rules,
    dashboard,
    enterprise_appeals,
    home,
    inbox,
    liaison,
    listing,
    personal_data,
    register,
    staff_audit,
    staff_pipeline,
    staff_portraits,
    staff_ranking,
    staff_review,
)
from web.routes.pages.portal import build_portal_router
from web.services.postings.side import NEED, OFFER


def all_routers() -> list[APIRouter]:
    """The routers create_app mounts, in order (the mirrored sides are built per side)."""
    return [
        api_dashboard.router,
        api_matches.router,
        api_me.router,
        api_meta.router,
        build_postings_api(NEED),
        api_notifications.router,
        api_personal_data.router,
        build_postings_api(OFFER),
        api_register.router,
        api_staff_work.router,
        api_users.router,
        account.router,
        admin_dicts.router,
        admin_jobs.router,
        admin_security.router,
        admin_users.router,
        announcements.router,
        auth.router,
        cultivation_pools.router,
        cultivation_rules.router,
        dashboard.router,
        enterprise_appeals.router,
        build_portal_router(NEED),
        home.router,
        inbox.router,
        liaison.router,
        listing.router,
        build_portal_router(OFFER),
        personal_data.router,
        register.router,
        staff_audit.router,
        staff_pipeline.router,
        staff_portraits.router,
        staff_ranking.router,
        staff_review.router,
    ]

"""Navigation per role: the portal links each kind of user sees.

Entries name routes, not paths: a route whose path changes takes its menu link with it,
and a renamed or removed route fails the navigation test instead of leaving a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from web.presentation.paths import route_path


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str  # the name of a GET route without path parameters


@dataclass(frozen=True)
class NavLink:
    """A menu entry resolved against the app: what the template shows."""

    label: str
    route: str
    url: str


_NAV: dict[str, tuple[NavItem, ...]] = {
    "enterprise": (
        NavItem("工作台", "enterprise_home"),
        NavItem("我的需求", "enterprise_postings"),
        NavItem("匹配进展", "enterprise_matches"),
        NavItem("我的诉求", "enterprise_appeals"),
        NavItem("消息", "inbox"),
        NavItem("公告", "announcements"),
        NavItem("机构资料", "enterprise_profile"),
    ),
    "provider": (
        NavItem("工作台", "provider_home"),
        NavItem("我的服务", "provider_postings"),
        NavItem("匹配进展", "provider_matches"),
        NavItem("消息", "inbox"),
        NavItem("公告", "announcements"),
        NavItem("机构资料", "provider_profile"),
    ),
    "staff": (
        NavItem("审核队列", "staff_review"),
        NavItem("撮合看板", "staff_pipeline"),
        NavItem("企业画像", "staff_portraits"),
        NavItem("培育库", "cultivation_pools"),
        NavItem("包联", "liaison_workspace"),
        NavItem("操作日志", "staff_audit"),
        NavItem("排序模型", "staff_ranking"),
        NavItem("指标看板", "dashboard"),
        NavItem("通知公告", "staff_announcements"),
        NavItem("个人信息申请", "staff_privacy"),
        NavItem("消息", "inbox"),
    ),
    "official": (
        NavItem("指标看板", "dashboard"),
        NavItem("运营数据", "dashboard_operations"),
        NavItem("公告", "announcements"),
    ),
    "admin": (
        NavItem("用户管理", "admin_users"),
        NavItem("在线用户", "admin_sessions"),
        NavItem("登录日志", "admin_logins"),
        NavItem("定时任务", "admin_jobs"),
        NavItem("字典管理", "admin_dicts"),
        NavItem("操作日志", "staff_audit"),
        NavItem("排序模型", "staff_ranking"),
        NavItem("个人信息申请", "staff_privacy"),
    ),
}

# The page a role lands on after logging in (route names, as above).
HOME_FOR_ROLE: dict[str, str] = {
    "enterprise": "enterprise_home", "provider": "provider_home", "staff": "staff_review",
    "official": "dashboard", "admin": "admin_users",
}


def nav_items(role: str) -> tuple[NavItem, ...]:
    return _NAV.get(role, ())


def menu_links(request: Request, role: str) -> list[NavLink]:
    """The menu of ``role`` with each entry's path (no scheme or host)."""
    return [NavLink(item.label, item.route, route_path(request, item.route))
            for item in nav_items(role)]


def home_path(request: Request, role: str) -> str:
    """Where ``role`` lands after logging in; the site's home page for a role without one."""
    return route_path(request, HOME_FOR_ROLE.get(role, "home"))

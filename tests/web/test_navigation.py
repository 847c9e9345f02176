"""The menu names routes: every entry is a page its role can open, and the links are the ones typed before."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_org, make_user
from tests.web.conftest import login
from web.app import create_app
from web.presentation.navigation import HOME_FOR_ROLE, nav_items
from web.settings import Settings

# The menus as they were written with paths: a route that moves must be a deliberate change here.
MENUS: dict[str, list[tuple[str, str]]] = {
    "enterprise": [("工作台", "/enterprise"), ("我的需求", "/enterprise/needs"), ("匹配进展", "/enterprise/matches"),
                   ("我的诉求", "/enterprise/appeals"), ("消息", "/inbox"), ("公告", "/announcements"),
                   ("机构资料", "/enterprise/profile")],
    "provider": [("工作台", "/provider"), ("我的服务", "/provider/offers"), ("匹配进展", "/provider/matches"),
                 ("消息", "/inbox"), ("公告", "/announcements"), ("机构资料", "/provider/profile")],
    "staff": [("审核队列", "/staff/review"), ("撮合看板", "/staff/pipeline"), ("企业画像", "/staff/portraits"),
              ("培育库", "/staff/cultivation"), ("包联", "/staff/liaison"), ("操作日志", "/staff/audit"),
              ("排序模型", "/staff/ranking"), ("指标看板", "/dashboard"), ("通知公告", "/staff/announcements"),
              ("个人信息申请", "/staff/privacy"), ("消息", "/inbox")],
    "official": [("指标看板", "/dashboard"), ("运营数据", "/dashboard/operations"), ("公告", "/announcements")],
    "admin": [("用户管理", "/admin/users"), ("在线用户", "/admin/sessions"), ("登录日志", "/admin/logins"),
              ("定时任务", "/admin/jobs"), ("字典管理", "/admin/dicts"), ("操作日志", "/staff/audit"),
              ("排序模型", "/staff/ranking"), ("个人信息申请", "/staff/privacy")],
}
HOMES = {"enterprise": "/enterprise", "provider": "/provider", "staff": "/staff/review",
         "official": "/dashboard", "admin": "/admin/users"}
_NAV = re.compile(r'<nav class="main-nav"[^>]*>(.*?)</nav>', re.S)
_LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)')


def _get_routes(app: Any) -> dict[str, str]:
    """name -> path of every GET route, walking included routers."""
    out: dict[str, str] = {}

    def walk(routes: list[Any], prefix: str = "") -> None:
        for r in routes:
            if isinstance(r, _IncludedRouter):
                walk(r.original_router.routes, prefix + r.include_context.prefix)
            elif "GET" in (getattr(r, "methods", None) or ()):
                out[r.name] = prefix + r.path

    walk(app.routes)
    return out


def test_every_entry_names_a_get_route_without_parameters() -> None:
    routes = _get_routes(create_app(Settings(database_url="sqlite:///:memory:", seed_on_start=False, mode="test")))
    for role in MENUS:
        for item in nav_items(role):
            assert item.route in routes, f"{role}: {item.label} names no GET route ({item.route})"
            assert "{" not in routes[item.route], f"{role}: {item.label} needs path parameters"
        assert routes[HOME_FOR_ROLE[role]] == HOMES[role]


@pytest.mark.parametrize("role", sorted(MENUS))
def test_menu_shows_the_same_links_and_each_opens(client: TestClient, session: Session, role: str) -> None:
    org = make_org(session, kind=role) if role in ("enterprise", "provider") else None
    login(client, make_user(session, role=role, org=org).username)
    page = client.get(HOMES[role])
    assert page.status_code == 200
    menu = _NAV.search(page.text)
    assert menu
    links = [(label.strip(), href) for href, label in _LINK.findall(menu.group(1))][:len(MENUS[role])]
    assert links == [(label, href) for label, href in MENUS[role]]
    for _, href in MENUS[role]:
        assert client.get(href).status_code == 200, href

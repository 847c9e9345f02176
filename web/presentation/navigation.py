"""Navigation per role: the portal links each kind of user sees."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


_NAV: dict[str, tuple[NavItem, ...]] = {
    "enterprise": (
        NavItem("工作台", "/enterprise"),
        NavItem("我的需求", "/enterprise/needs"),
        NavItem("匹配进展", "/enterprise/matches"),
        NavItem("我的诉求", "/enterprise/appeals"),
        NavItem("消息", "/inbox"),
        NavItem("公告", "/announcements"),
        NavItem("机构资料", "/enterprise/profile"),
    ),
    "provider": (
        NavItem("工作台", "/provider"),
        NavItem("我的服务", "/provider/offers"),
        NavItem("匹配进展", "/provider/matches"),
        NavItem("消息", "/inbox"),
        NavItem("公告", "/announcements"),
        NavItem("机构资料", "/provider/profile"),
    ),
    "staff": (
        NavItem("审核队列", "/staff/review"),
        NavItem("撮合看板", "/staff/pipeline"),
        NavItem("企业画像", "/staff/portraits"),
        NavItem("培育库", "/staff/cultivation"),
        NavItem("包联", "/staff/liaison"),
        NavItem("操作日志", "/staff/audit"),
        NavItem("排序模型", "/staff/ranking"),
        NavItem("指标看板", "/dashboard"),
        NavItem("通知公告", "/staff/announcements"),
        NavItem("个人信息申请", "/staff/privacy"),
        NavItem("消息", "/inbox"),
    ),
    "official": (
        NavItem("指标看板", "/dashboard"),
        NavItem("运营数据", "/dashboard/operations"),
        NavItem("公告", "/announcements"),
    ),
    "admin": (
        NavItem("用户管理", "/admin/users"),
        NavItem("在线用户", "/admin/sessions"),
        NavItem("登录日志", "/admin/logins"),
        NavItem("定时任务", "/admin/jobs"),
        NavItem("字典管理", "/admin/dicts"),
        NavItem("操作日志", "/staff/audit"),
        NavItem("排序模型", "/staff/ranking"),
        NavItem("个人信息申请", "/staff/privacy"),
    ),
}

HOME_FOR_ROLE: dict[str, str] = {
    "enterprise": "/enterprise", "provider": "/provider", "staff": "/staff/review",
    "official": "/dashboard", "admin": "/admin/users",
}


def nav_items(role: str) -> tuple[NavItem, ...]:
    return _NAV.get(role, ())

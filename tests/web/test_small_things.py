"""Issue 11.13: the welcome message, /favicon.ico, current qualification badges, the error
banner's colours, and the README's 使用说明."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_org, make_qualification, make_user
from tests.web.conftest import login
from web.services.organisations.portraits import held_kinds, qualifications_by_org

ROOT = Path(__file__).resolve().parents[2]


def test_welcome_after_registration_says_what_to_do_next(client: TestClient, session: Session) -> None:
    org = make_org(session)
    login(client, make_user(session, org=org).username)
    page = client.get("/enterprise?welcome=1")
    assert "注册成功，欢迎使用" in page.text and "发布贵单位的第一条需求" in page.text
    assert "注册成功" not in client.get("/enterprise").text


def test_favicon_is_served(client: TestClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert 'rel="icon"' in client.get("/login").text


def test_expired_and_renewed_qualifications_are_one_current_badge(client: TestClient, session: Session) -> None:
    renewed = make_org(session, name="续期企业")
    make_qualification(session, org=renewed, kind="高新技术企业", year_granted=2017, expires_on=date(2020, 12, 31))
    make_qualification(session, org=renewed, kind="高新技术企业", year_granted=2020, expires_on=date(2099, 12, 31))
    lapsed = make_org(session, name="过期企业")
    make_qualification(session, org=lapsed, kind="高新技术企业", year_granted=2017, expires_on=date(2020, 12, 31))
    quals = qualifications_by_org(session, [renewed.id, lapsed.id])
    assert held_kinds(quals[renewed.id], today=date(2022, 6, 1)) == ["高新技术企业"]
    assert held_kinds(quals[lapsed.id], today=date(2022, 6, 1)) == []
    make_user(session, role="staff", username="badges")
    login(client, "badges")
    listing = client.get("/staff/portraits").text
    rows = {name: row for row in re.findall(r"<tr>.*?</tr>", listing, re.S)
            for name in ("续期企业", "过期企业") if name in row}
    assert rows["续期企业"].count("高新技术企业") == 1
    assert "高新技术企业" not in rows["过期企业"]
    assert "已过期" in client.get(f"/staff/portraits/{lapsed.id}").text


def test_the_error_banner_is_red_on_pink() -> None:
    css = (ROOT / "web/static/css/site.css").read_text(encoding="utf-8")
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", css)
    flash = [i for i, (sel, _) in enumerate(rules) if sel.strip() == ".flash"]
    error = [i for i, (sel, body) in enumerate(rules) if "flash-error" in sel and "color:" in body.replace(" ", "")]
    assert flash and error and min(error) > max(flash)  # the error rule comes last and wins
    body = rules[max(error)][1]
    assert "color: var(--c-bad)" in body and "background: #fdecea" in body


def test_readme_has_usage_for_each_role_and_the_empty_folder() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = readme.split("## 使用说明", 1)[1].split("\n## ", 1)[0]
    for role in ("企业用户", "服务机构用户", "服务专员", "领导", "系统管理员"):
        assert f"**{role}" in usage, role
    assert "empty folder" in readme and "mkdir ~/zhengqi-data && cd ~/zhengqi-data && zhengqi serve" in readme

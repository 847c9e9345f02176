"""The review queue keeps its filters while paging, and can select a whole page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_need, make_org, make_proposal, make_user
from tests.web.conftest import login


def test_filters_stay_when_paging_and_messages_do_not(client: TestClient, session: Session) -> None:
    ent = make_org(session, name="分页测试企业")
    for i in range(45):
        make_proposal(session, need=make_need(session, org=ent, title=f"需求{i}"), score=0.5 + i / 1000)
    make_user(session, role="staff", username="pager")
    login(client, "pager")
    r = client.get("/staff/review?category=技术攻关&org=分页测试&min_score=0.3&done=bulk&d=approve&n=2&s=0")
    assert r.context["page"].total == 45 and r.context["page"].pages == 3
    nxt = re.search(r'<a href="([^"]+)" rel="next">', r.text)
    assert nxt, "no next link"
    link = nxt.group(1).replace("&amp;", "&")
    for kept in ("category=", "org=", "min_score=0.3", "page=2"):
        assert kept in link, (kept, link)
    for dropped in ("done=", "n=2", "d=approve"):
        assert dropped not in link, (dropped, link)
    page2 = client.get(link)
    assert page2.context["page"].page == 2 and page2.context["filters"].org == "分页测试"
    assert "批量批准完成" not in page2.text  # the message belonged to the action, not to the page
    # The back address of the forms keeps the filters too, without the old message.
    back = re.search(r'name="back" value="([^"]+)"', page2.text).group(1).replace("&amp;", "&")
    assert "org=" in back and "page=2" in back and "done=" not in back


def test_select_all_on_the_page(client: TestClient, session: Session) -> None:
    for _ in range(25):
        make_proposal(session)
    make_user(session, role="staff", username="selector")
    login(client, "selector")
    plain = client.get("/staff/review")
    assert 'data-select-all="match_ids"' in plain.text and "全选本页（20 条）" in plain.text
    assert plain.text.count('name="match_ids"') == 20 and " checked>" not in plain.text
    # Without JavaScript the link selects the page on the server.
    everything = client.get("/staff/review?select=page")
    boxes = re.findall(r'<input type="checkbox" name="match_ids"[^>]*>', everything.text)
    assert len(boxes) == 20 and all("checked" in b for b in boxes)

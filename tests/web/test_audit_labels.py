"""The audit log reads in Chinese: actions, keys and coded values, in the list and the filter."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from models import AuditLog
from tests.factories import make_user
from tests.web.conftest import login
from web.services.audit_labels import ACTION_LABELS, value_text

RECORDED = [
    ("need.create", "need", {"title": "视觉检测"}),
    ("match.interest", "match", {"side": "enterprise"}),
    ("indicator.actual.delete", "indicator_actual",
     {"indicator": 3, "year": 2021, "value": "112", "source": "示例来源", "is_sample": True}),
    ("match.move", "match", {"from": "approved", "to": "contacted"}),
    ("organisation.update", "organisation", {"fields": ["employees", "revenue_wan"]}),
    ("organisation.staff_edit", "organisation", {"changes": {"credit_standing": ["normal", "good"]}}),
    ("user.disable", "user", {"role": "staff", "username": "li"}),
]


def test_list_and_filter_show_chinese_labels(client: TestClient, session: Session) -> None:
    staff = make_user(session, role="staff", username="auditor")
    for action, kind, detail in RECORDED:
        session.add(AuditLog(actor_id=staff.id, action=action, object_type=kind, object_id=1, detail=detail))
    session.commit()
    login(client, "auditor")
    page = client.get("/staff/audit")
    assert page.status_code == 200
    main = page.text.split('<table class="audit">', 1)[1]
    for raw in ("need.create", "match.interest", "indicator.actual.delete", "is_sample", "True", "enterprise",
                "approved", "contacted", "revenue_wan", "credit_standing", "indicator_actual"):
        assert raw not in main, raw
    for shown in ("发布需求", "表达合作意向", "删除指标数值", "示例数据", "是", "企业", "已批准", "已联系",
                  "职工人数、营业收入", "信用状况：一般 → 良好", "3. 高新技术企业数量", "停用账号", "服务专员",
                  "指标数值 #1"):
        assert shown in main, shown
    options = page.text.split('name="action"', 1)[1].split("</select>", 1)[0]
    for shown in ("发布需求", "表达合作意向", "删除指标数值", "全部匹配操作", "全部指标操作"):
        assert shown in options, shown
    assert ">need.create<" not in options and "（need.create）" not in options
    # Filtering by an area shows all its actions.
    only = client.get("/staff/audit?action=match")
    assert {r.entry.action for r in only.context["page"].items} == {"match.interest", "match.move"}


def test_every_action_the_code_records_has_a_label() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "web"
    found: set[str] = set()
    for path in root.rglob("*.py"):
        found |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    found |= {f"{side}.{verb}" for side in ("need", "offer")
              for verb in ("create", "draft", "update", "close", "publish", "reopen")}
    found |= {"match.approve", "match.reject", "user.enable", "user.disable"}
    assert sorted(found - set(ACTION_LABELS)) == []


def test_values_read_as_people_read_them() -> None:
    assert value_text("is_sample", False) == "否"
    assert value_text("note", None) == "—"
    assert value_text("ids", list(range(1, 9))) == "#1、#2、#3、#4、#5 等 8 条"
    assert value_text("to", "daily") == "每日摘要（每天 8:00）"

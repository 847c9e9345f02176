"""操作日志: filtered by actor, action, object and time; exported to Excel in Beijing time."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from models import AuditLog
from tests.factories import make_user
from tests.web.conftest import login


def test_filter_by_object_and_export(client: TestClient, session: Session) -> None:
    admin = make_user(session, role="admin", username="guanliyuan", display_name="管理员甲")
    staff = make_user(session, role="staff", username="zhuanyuan", display_name="专员乙")
    at = datetime(2026, 11, 30, 17, 5, tzinfo=UTC)  # 01:05 on 12-01 in Beijing
    for row in (AuditLog(actor_id=admin.id, action="user.disable", object_type="user", object_id=7, created_at=at),
                AuditLog(actor_id=staff.id, action="match.approve", object_type="match", object_id=7,
                         detail={"from": "proposed", "to": "approved"}, created_at=at),
                AuditLog(actor_id=staff.id, action="match.reject", object_type="match", object_id=8, created_at=at)):
        session.add(row)
    session.commit()
    login(client, "guanliyuan")
    r = client.get("/staff/audit", params={"object": "match", "object_id": "7"})
    assert r.status_code == 200 and [e.entry.action for e in r.context["page"].items] == ["match.approve"]
    # Junk filters are ignored: the three rows above and the admin's own login (audited since hardening).
    assert client.get("/staff/audit", params={"object": "nonsense", "object_id": "x"}).context["page"].total == 4
    r = client.get("/staff/audit", params={"actor": "专员", "action": "match"})
    assert r.context["page"].total == 2
    x = client.get("/staff/audit/export.xlsx", params={"actor": "专员乙", "object": "match"})
    assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(x.content)).active.values)
    assert rows[0][:3] == ("编号", "时间", "操作人")  # the auditors' export: ids and chain hashes too
    assert len(rows) == 3 and {row[5] for row in rows[1:]} == {"match.approve", "match.reject"}
    approve = next(row for row in rows[1:] if row[5] == "match.approve")
    assert approve[1] == datetime(2026, 12, 1, 1, 5) and approve[4] == "批准匹配" and approve[6] == "匹配"
    assert "新状态：已批准" in approve[8]
    assert client.get("/staff/audit", params={"from": "2026-12-02", "action": "match"}).context["page"].total == 0

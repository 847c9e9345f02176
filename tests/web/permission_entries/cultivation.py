"""Permission-matrix entries for cultivation: pools, rule sets, gaps and the pipeline.

Staff and admin edit; officials read only the pipeline on the dashboard; enterprises and
providers never see pools, rules' results or staff notes."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from tests.web.permission_entries import Entry
from web.presentation.times import default_today
from web.services.cultivation import listing, pools, rulesets

STAFF = frozenset({"staff", "admin"})
READERS = frozenset({"official", "staff", "admin"})
_CONSENT = {"title": "发明专利申请代理（权限测试）", "description": "企业尚无发明专利，需要申请代理",
            "category": "知识产权", "consent_by": "王总", "consent_channel": "电话确认",
            "consent_on": default_today().isoformat(), "consent_confirmed": "1"}
_RULE = {"label": "上年营业收入不低于1000万元", "metric": "revenue_wan", "op": "min", "threshold": "1000"}
_STEP = {"name": "股份制改造", "owner": "企业财务总监", "due_on": "2026-06-30", "status": "doing",
         "category": "上市辅导"}
_GAP = "/staff/cultivation/pools/{pool_id}/enterprises/{org_id}"

ENTRIES: list[Entry] = [
    Entry("GET", "/staff/cultivation", STAFF),
    Entry("POST", "/staff/cultivation/pools", STAFF, {"name": "权限测试库", "qualification": "瞪羚"},
          note="the second allowed role repeats the name: 422"),
    Entry("GET", "/staff/cultivation/pools/{pool_id}", STAFF),
    Entry("GET", "/staff/cultivation/pools/{pool_id}/screen", STAFF),
    Entry("GET", "/staff/cultivation/import-template.xlsx", STAFF),
    Entry("GET", "/staff/cultivation/pools/{pool_id}/export.xlsx", STAFF),
    Entry("GET", "/staff/cultivation/pools/{pool_id}/gaps.xlsx", STAFF),
    Entry("POST", "/staff/cultivation/pools/{pool_id}/import", STAFF, {}, note="no file: 422 with a Chinese message"),
    Entry("POST", "/staff/cultivation/pools/{pool_id}/members", STAFF, {"org_ids": "{spare_org_id}", "reason": "权限测试"},
          note="the second allowed role finds it in the pool: 409"),
    Entry("POST", "/staff/cultivation/pools/{pool_id}/members/{spare_org_id}/remove", STAFF, {"reason": "权限测试"}),
    Entry("GET", _GAP, STAFF),
    Entry("GET", _GAP + "/gaps/{rule_id}/need", STAFF),
    Entry("POST", _GAP + "/gaps/{rule_id}/need", STAFF, _CONSENT),
    Entry("GET", "/staff/cultivation/rules", STAFF),
    Entry("POST", "/staff/cultivation/rules", STAFF, {"qualification": "瞪羚", "year": "2022", "name": "权限测试"}),
    Entry("GET", "/staff/cultivation/rules/{rule_set_id}", STAFF),
    Entry("POST", "/staff/cultivation/rules/{rule_set_id}", STAFF, {"name": "高新技术企业认定条件（国家）", "year": "2016"}),
    Entry("POST", "/staff/cultivation/rules/{rule_set_id}/rules", STAFF, _RULE),
    Entry("GET", "/staff/cultivation/rules/{rule_set_id}/rules/{rule_id}", STAFF),
    Entry("POST", "/staff/cultivation/rules/{rule_set_id}/rules/{rule_id}", STAFF,
          {"label": "拥有核心自主知识产权", "metric": "invention_patents", "op": "min", "threshold": "1",
           "alt_metric": "other_ip", "alt_threshold": "6"}),
    Entry("POST", "/staff/cultivation/rules/{rule_set_id}/rules/{delete_rule_id}/delete", STAFF, {},
          note="the second allowed role finds it gone: 404"),
    Entry("GET", "/staff/portraits/{org_id}/figures", STAFF),
    Entry("POST", "/staff/portraits/{org_id}/figures", STAFF, {"employees": "50", "sci_tech_staff": "6"}),
    Entry("GET", "/dashboard/pipeline", READERS),
    Entry("GET", "/staff/listing", STAFF),
    Entry("GET", "/staff/listing/{org_id}", STAFF),
    Entry("POST", "/staff/listing/{org_id}/steps", STAFF, _STEP),
    Entry("POST", "/staff/listing/{org_id}/steps/{listing_step_id}", STAFF, {**_STEP, "status": "done"}),
]


def placeholders(session: Session, world: Any) -> dict[str, Any]:
    from tests.factories import make_org, make_user

    staff = make_user(session, role="staff")
    pool = pools.pool_by_kind(session, "hitech")
    session.commit()
    pools.add_members(session, pool_id=pool.id or 0, org_ids=[world.org_id], actor_id=staff.id, reason="权限测试")
    listed = pools.pool_by_kind(session, "listing")
    session.commit()
    pools.add_members(session, pool_id=listed.id or 0, org_ids=[world.org_id], actor_id=staff.id, reason="权限测试")
    step = listing.save_step(session, org_id=world.org_id, actor_id=staff.id, values=_STEP)
    view = rulesets.rule_set_for(session, qualification="高新技术企业", year=default_today().year)
    assert view is not None
    ip_rule = next(r for r in view.rules if r.metric == "invention_patents")
    incident_rule = next(r for r in view.rules if r.metric == "no_major_incident")
    return {"pool_id": pool.id, "rule_set_id": view.rule_set.id, "rule_id": ip_rule.id,
            "delete_rule_id": incident_rule.id, "listing_step_id": step.id, "spare_org_id": make_org(session).id}

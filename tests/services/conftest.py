"""Fixtures for service tests: a small, valid demo data directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models.credit_code import make_credit_code

_NEED_TEXTS = [
    ("工业机器人视觉检测技术攻关", "需要基于AI视觉的零部件表面缺陷检测方案，提升质检效率", "技术攻关"),
    ("发明专利质押融资需求", "企业拥有12件发明专利，希望通过知识产权质押融资获得流动资金", "科技金融"),
    ("5G工业互联网改造", "车间设备联网，建设基于5G的工业互联网平台，实现两化融合", "数字化转型"),
]
_OFFER_TEXTS = [
    ("AI视觉缺陷检测解决方案", "提供基于深度学习的工业视觉检测系统，适用于零部件表面缺陷检测", "技术攻关"),
    ("知识产权质押融资服务", "银行科技支行提供知识产权质押贷款和投贷联动服务", "科技金融"),
    ("工业互联网平台建设咨询", "为制造企业提供5G工业互联网、企业上云和两化融合贯标服务", "数字化转型"),
]


def small_demo(n_ent: int = 4) -> dict[str, Any]:
    """Return the four demo files' contents as Python objects (valid by construction)."""
    orgs: list[dict[str, Any]] = []
    kinds = ["enterprise"] * n_ent + ["university", "financial", "intermediary"]
    for i, kind in enumerate(kinds):
        orgs.append({
            "key": f"org-{i}", "name": f"示例机构{i}有限公司", "kind": kind,
            "credit_code": make_credit_code("120105", 500 + i), "region": "河北区",
            "street": "望海楼街道", "industry": "智能制造", "description": "示例机构简介",
            "employees": 50 + i, "revenue_wan": 1200.5, "rd_spending_wan": 80,
            "invention_patents": 3, "total_patents": 10,
            "qualifications": [{"kind": "高新技术企业", "year_granted": 2021, "expires_on": "2024-12-31"}]
            if kind == "enterprise" else [],
            "credit": {"standing": "good", "source": "信用中国（示例）", "date": "2022-06-30"},
            "contact": {"name": "张经理", "phone": "022-26000000", "email": f"o{i}@example.com",
                        "share": True},
            "related": [{"org_key": "org-1", "relation": "母公司"}] if i == 0 else [],
        })
    needs = [{"key": f"need-{i}", "org_key": f"org-{i % n_ent}", "title": t, "description": d,
              "category": c, "industry": "智能制造", "budget_wan": 50 + i, "deadline_days": 60,
              "status": "open"} for i, (t, d, c) in enumerate(_NEED_TEXTS)]
    offers = [{"key": f"offer-{i}", "org_key": f"org-{n_ent + i}", "title": t, "description": d,
               "category": c, "industry": "智能制造", "price_wan": 30.25, "status": "open"}
              for i, (t, d, c) in enumerate(_OFFER_TEXTS)]
    actuals = [{"indicator": "高新技术企业数量", "year": 2021, "value": 112, "source": "示例来源",
                "source_date": "2022-01-15", "note": "示例数据"},
               {"indicator": "\"雏鹰\"企业数量", "year": 2021, "value": 58.5, "source": "示例来源",
                "source_date": "2022-01-15", "note": ""}]
    return {"orgs": orgs, "needs": needs, "offers": offers, "actuals": actuals}


def write_demo(directory: Path, data: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "organisations.json").write_text(
        json.dumps(data["orgs"], ensure_ascii=False, indent=1), encoding="utf-8")
    for name, rows in (("needs.jsonl", data["needs"]), ("offers.jsonl", data["offers"])):
        (directory / name).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (directory / "indicator_actuals.json").write_text(
        json.dumps(data["actuals"], ensure_ascii=False, indent=1), encoding="utf-8")
    return directory


@pytest.fixture
def small_demo_dir(tmp_path: Path) -> Path:
    return write_demo(tmp_path / "demo", small_demo())

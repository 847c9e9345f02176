"""Small in-memory postings for the matcher tests (no database, no app)."""

from __future__ import annotations

import pytest

from matcher import MatchIndex, Posting

NEEDS = [
    Posting("n1", "专利质押融资", "我公司有三项发明专利，希望办理专利质押贷款", category="科技金融",
            region="河北区"),
    Posting("n2", "3D打印样件试制", "新产品需要小批量试制和3D打印打样", category="小批量试制"),
    Posting("n3", "ISO9001贯标", "需要质量管理体系认证咨询", category="检测认证"),
    Posting("n4", "", ""),
]
OFFERS = [
    Posting("o1", "知识产权质押融资", "银行为科技型中小企业提供知识产权质押融资", category="科技金融",
            credit="good", region="河北区"),
    Posting("o2", "增材制造打样", "提供3D打印、快速成型、小批量试制服务", category="小批量试制"),
    Posting("o3", "体系认证", "ISO9001质量管理体系认证、贯标咨询", category="检测认证", credit="bad"),
    Posting("o4", "3D打印（已关闭）", "3D打印 小批量试制", category="小批量试制", is_open=False),
    Posting("o5", "投贷联动", "股权融资与科技贷款投贷联动", category="科技金融"),
]


@pytest.fixture(scope="session")
def index() -> MatchIndex:
    return MatchIndex().fit(NEEDS, OFFERS)


@pytest.fixture()
def fresh_index() -> MatchIndex:
    return MatchIndex().fit(NEEDS, OFFERS)

"""The platform's one shared service taxonomy (服务类别).

Needs and offers both carry one of these categories. The matcher uses the
table of related categories to score category compatibility; the web services
use ``CATEGORIES`` to validate input. A category outside this taxonomy is never
an error for the matcher: it is then compared between need and offer as written.
"""

from __future__ import annotations

# Category name -> short explanation shown in forms.
CATEGORIES: dict[str, str] = {
    "技术攻关": "关键技术研发、联合攻关、技术难题解决",
    "成果转化": "科技成果转让、许可、作价入股、中试熟化",
    "知识产权": "专利申请与布局、知识产权贯标、质押融资对接、侵权分析",
    "科技金融": "科技贷款、投贷联动、股权融资、科技保险、担保",
    "检测认证": "产品检测、计量校准、体系认证、CCC/CE 认证",
    "工业设计": "产品外观与结构设计、用户体验、设计创新",
    "小批量试制": "样机试制、小批量生产、工艺验证、增材制造打样",
    "人才服务": "人才引进、专家对接、技能培训、博士后工作站",
    "上市辅导": "股改、上市培育、挂牌辅导、财务规范",
    "数字化转型": "企业上云、工业互联网、两化融合、智能工厂、移动办公",
    "资质申报": "高新技术企业认定、科技型中小企业评价、雏鹰瞪羚申报",
    "管理咨询": "战略规划、质量管理、精益生产、项目申报咨询",
}

# Pairs of categories that often serve each other (symmetric).
_RELATED_PAIRS: tuple[tuple[str, str], ...] = (
    ("技术攻关", "成果转化"),
    ("技术攻关", "小批量试制"),
    ("技术攻关", "人才服务"),
    ("成果转化", "知识产权"),
    ("成果转化", "小批量试制"),
    ("知识产权", "科技金融"),
    ("知识产权", "资质申报"),
    ("科技金融", "上市辅导"),
    ("检测认证", "小批量试制"),
    ("工业设计", "小批量试制"),
    ("数字化转型", "管理咨询"),
    ("资质申报", "管理咨询"),
    ("上市辅导", "管理咨询"),
)

RELATED: frozenset[frozenset[str]] = frozenset(frozenset(p) for p in _RELATED_PAIRS)

# Industry themes of the action plan (重点产业方向); optional on postings.
THEMES: tuple[str, ...] = (
    "智能制造", "电子科技", "物联网", "5G", "轨道交通装备", "工业设计",
    "增材制造", "能源大数据", "移动办公", "新材料", "生物医药", "节能环保",
)


def category_relation(a: str | None, b: str | None) -> str:
    """Return ``"same"``, ``"related"``, ``"unrelated"`` or ``"unknown"`` for two categories."""
    if not a or not b:
        return "unknown"
    a, b = a.strip(), b.strip()
    if a == b:
        return "same"
    if frozenset((a, b)) in RELATED:
        return "related"
    return "unrelated"

"""A seeded generator of realistic needs and offers built from the domain vocabulary.

Used by ``bench``: postings of 60-200 characters mixing the plan's categories,
industries, products and filler sentences, so that segmentation cost, vocabulary
size and term overlap resemble real postings. Same seed, same corpus.
"""

from __future__ import annotations

import random

from matcher.taxonomy import CATEGORIES, THEMES
from matcher.types import Posting

__all__ = ["generate"]

_INDUSTRY = ["汽车零部件", "精密仪器", "新能源电池", "医疗器械", "智能家居", "轨道交通", "光电材料",
             "食品加工", "纺织服装", "化工新材料", "电子元器件", "环保设备", "工程机械", "软件信息",
             "生物制药", "模具制造", "包装印刷", "仓储物流", "建筑材料", "船舶配套"]
_PRODUCTS = ["伺服电机", "传感器", "控制器", "锂电池模组", "PCB电路板", "注塑件", "铝合金压铸件",
             "复合材料板", "检测仪", "机器人关节", "5G通信模组", "AI视觉系统", "工业软件", "MES系统",
             "石墨烯涂层", "医用导管", "储能变流器", "智能网关", "减速机", "光纤传感器"]
_ORGS = ["天津大学", "南开大学", "河北工业大学", "天津理工大学", "市科学技术研究院", "知识产权服务中心",
         "科技担保公司", "检验检测研究院", "工业设计中心", "技术转移中心", "会计师事务所", "证券公司"]
_NEED_FRAMES = [
    "我公司主营{ind}，{prod}产品在{cat_text}方面遇到瓶颈，希望对接高校院所开展{term}。",
    "企业现有{prod}生产线，计划推进{term}和{term2}，寻求有经验的服务机构合作。",
    "因业务扩张需要{term}，涉及{prod}的{cat_text}，预算约{money}万元，周期{months}个月。",
    "{ind}企业，拥有发明专利{n}项，拟申请{term}，同时关注{theme}方向的{term2}。",
]
_OFFER_FRAMES = [
    "{org}长期提供{term}、{term2}等服务，服务{ind}企业{n}余家，擅长{cat_text}。",
    "依托{org}的实验室和专家团队，为{ind}领域企业提供{prod}相关的{term}与{cat_text}。",
    "我们是专业的{cat}服务机构，可提供{term}、{term2}，支持{theme}产业，收费{money}万元起。",
    "面向{theme}方向，开展{term}，可配合完成{prod}的{term2}，响应时间{months}个工作日。",
]


def _category_terms() -> dict[str, list[str]]:
    from matcher.text import domain_terms

    terms = list(domain_terms())
    out = {}
    for i, (cat, text) in enumerate(CATEGORIES.items()):
        own = [t.strip() for t in text.replace("/", "、").split("、") if t.strip()]
        # Each category also draws from a slice of the domain dictionary, so the
        # vocabulary is wide (hundreds of plan terms) but topical.
        share = terms[i * len(terms) // len(CATEGORIES) : (i + 1) * len(terms) // len(CATEGORIES)]
        out[cat] = own + share
    return out


def generate(n: int, *, kind: str, seed: int, prefix: str | None = None) -> list[Posting]:
    """``n`` postings of ``kind`` ("need" or "offer"), reproducible from ``seed``."""
    rng = random.Random(f"{seed}-{kind}")
    cat_terms = _category_terms()
    cats = list(cat_terms)
    frames = _NEED_FRAMES if kind == "need" else _OFFER_FRAMES
    prefix = prefix or kind[0]
    out = []
    for i in range(n):
        cat = rng.choice(cats)
        pool = cat_terms[cat] if rng.random() < 0.85 else cat_terms[rng.choice(cats)]

        def fill(frame: str, cat: str = cat, pool: list[str] = pool) -> str:
            return frame.format(
                ind=rng.choice(_INDUSTRY), prod=rng.choice(_PRODUCTS), org=rng.choice(_ORGS),
                cat=cat, cat_text=rng.choice(CATEGORIES[cat].split("、")),
                term=rng.choice(pool), term2=rng.choice(pool), theme=rng.choice(THEMES),
                money=rng.randint(5, 500), months=rng.randint(1, 24), n=rng.randint(2, 300),
            )

        body = "".join(fill(rng.choice(frames)) for _ in range(rng.randint(1, 3)))
        title = f"{rng.choice(pool)}{rng.choice(['需求', '合作', '服务', '项目', '对接'])}"
        out.append(Posting(
            id=f"{prefix}{i:07d}", title=title, description=body, category=cat,
            region=rng.choice(["河北区", "河北区", "和平区", "南开区", "滨海新区"]),
            credit=rng.choice(["good", "normal", "normal", "bad", None]) if kind == "offer" else None,
        ))
    return out

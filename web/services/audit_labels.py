"""The audit log in Chinese: a label for each action, each detail key and the codes in values.

An action or key not listed here is shown as recorded, so nothing is ever hidden."""

from __future__ import annotations

from typing import Any

from models.match import MATCH_STATUS_LABELS
from models.organisation import CREDIT_LABELS, ORG_KIND_LABELS
from models.posting import POSTING_STATUS_LABELS
from models.user import NOTIFY_MODES, ROLE_LABELS
from web.services.indicators.plan import PLAN_INDICATORS

ACTION_LABELS: dict[str, str] = {
    "match.approve": "批准匹配", "match.reject": "驳回匹配", "match.create_manual": "手动撮合",
    "match.move": "撮合进展", "match.interest": "表达合作意向", "match.interest.withdraw": "撤回合作意向",
    "match.rate": "合作评价",
    "contract.create": "登记合同", "contract.correct": "更正合同", "contract.void": "作废合同",
    "need.create": "发布需求", "need.draft": "保存需求草稿", "need.update": "修改需求", "need.close": "关闭需求",
    "need.publish": "发布需求草稿", "need.reopen": "重新开放需求",
    "offer.create": "发布服务", "offer.draft": "保存服务草稿", "offer.update": "修改服务", "offer.close": "撤回服务",
    "offer.publish": "发布服务草稿", "offer.reopen": "重新开放服务",
    "organisation.register": "机构注册", "organisation.update": "修改机构资料",
    "organisation.staff_edit": "专员修改机构信息", "related_party.add": "登记关联方", "related_party.remove": "删除关联方",
    "qualification.add": "登记资质", "qualification.remove": "删除资质",
    "indicator.actual.enter": "录入指标数值", "indicator.actual.delete": "删除指标数值",
    "indicator.actual.import": "导入指标数值",
    "user.create": "创建账号", "user.enable": "启用账号", "user.disable": "停用账号",
    "user.notify_mode": "更改通知方式", "user.unlock": "解除登录限制",
    "auth.login": "登录", "auth.login_failed": "登录失败", "auth.login_throttled": "登录受限",
    "auth.login_disabled": "停用账号尝试登录", "auth.logout": "退出登录",
    "ranking.train": "训练排序模型", "ranking.rollback": "回滚排序模型",
    "demo.remove": "删除演示数据",
    # back office (issue 12)
    "user.update": "修改账号", "user.password_reset": "重置密码", "user.password_change": "修改密码",
    "user.invite": "邀请同事", "session.end": "强制下线", "session.end_all": "强制退出全部登录",
    "job.run": "手动运行任务", "job.enable": "启用任务", "job.disable": "停用任务",
    "dict.create": "新增字典项", "dict.update": "修改字典项", "dict.retire": "停用字典项",
    "dict.restore": "恢复字典项", "dict.delete": "删除字典项",
    "announcement.publish": "发布公告", "announcement.withdraw": "撤回公告",
    "organisation.merge": "合并机构", "organisation.deactivate": "停用机构", "organisation.reactivate": "恢复机构",
    "organisation.figures": "修改认定数据",
    # cultivation and liaison (issue 13)
    "pool.create": "新建培育库", "pool.add": "企业入库", "pool.remove": "企业出库", "pool.import": "导入入库企业",
    "ruleset.create": "新建认定条件", "ruleset.update": "修改认定条件", "rule.save": "保存认定条件项",
    "rule.delete": "删除认定条件项", "gap.post_need": "代企业发布补短需求", "listing.step": "一企一策进展",
    "liaison.assign": "指定包联人员", "liaison.end": "结束包联", "liaison.schedule": "设定走访周期",
    "liaison.visit": "登记走访", "appeal.create": "登记诉求", "appeal.step": "诉求办理",
    # audit and personal data (issue 15)
    "audit.export": "导出审计日志", "privacy.request": "个人信息申请", "privacy.correct": "更正个人信息",
    "privacy.erase": "删除个人信息", "privacy.reject": "驳回个人信息申请",
}

# The first part of an action names its area; the filter can pick a whole area.
AREA_LABELS: dict[str, str] = {
    "match": "匹配", "contract": "合同", "need": "需求", "offer": "服务", "organisation": "机构",
    "related_party": "关联方", "qualification": "资质", "indicator": "指标", "user": "账号",
    "auth": "登录", "ranking": "排序模型", "demo": "演示数据", "session": "会话", "job": "定时任务",
    "dict": "字典", "announcement": "公告", "pool": "培育库", "ruleset": "认定条件", "rule": "认定条件项",
    "gap": "补短", "listing": "一企一策", "liaison": "包联", "appeal": "诉求", "audit": "审计日志",
    "privacy": "个人信息",
}

OBJECT_LABELS: dict[str, str] = {
    "match": "匹配", "contract": "合同", "user": "账号", "organisation": "机构", "need": "需求", "offer": "服务",
    "indicator": "指标", "indicator_actual": "指标数值", "qualification": "资质",
    "ranking_model": "排序模型", "system": "系统", "job": "定时任务", "dict": "字典项", "announcement": "公告",
    "pool": "培育库", "ruleset": "认定条件", "appeal": "诉求", "visit": "走访", "privacy_request": "个人信息申请",
}

DETAIL_LABELS: dict[str, str] = {
    "from": "原状态", "to": "新状态", "note": "说明", "reason": "原因", "reason_code": "原因代码",
    "match_id": "匹配编号", "need_id": "需求编号", "offer_id": "服务编号", "amount_wan": "金额（万元）",
    "signed_on": "签约日期", "contract_type": "合同类型", "registration_no": "登记号", "changes": "修改内容",
    "fields": "修改项", "side": "一方", "score": "评分", "kind": "类型", "year": "年度", "indicator": "指标",
    "value": "数值", "source": "来源", "is_sample": "示例数据", "filename": "文件名", "rows": "行数",
    "ids": "记录编号", "title": "标题", "role": "角色", "username": "用户名", "related": "关联方",
    "relation": "关联关系", "name": "机构名称", "credit_code": "统一社会信用代码", "credit_standing": "信用状况",
    "credit_source": "信用信息来源", "credit_date": "信用信息日期", "withdrawn": "撤回的推荐（条）",
    "ip": "IP 地址", "wait_seconds": "需等待（秒）", "counters": "清除的计数",
    "result": "结果", "version": "模型版本", "activated": "是否启用",
    "accounts": "账号数", "organisations": "机构数", "postings": "需求与服务数", "matches": "匹配数",
    "sample_figures": "示例指标值数", "conditions": "条件",
}

# Profile fields named in "fields" of organisation.update.
FIELD_LABELS: dict[str, str] = {
    "description": "机构简介", "industry": "所属行业", "street": "所在街道", "employees": "职工人数",
    "revenue_wan": "营业收入", "rd_spending_wan": "研发投入", "invention_patents": "有效发明专利",
    "total_patents": "专利总数", "share_contacts": "公开联系方式", "contact_name": "联系人",
    "contact_phone": "联系电话", "contact_email": "电子邮箱",
}

_SIDES = {"enterprise": "企业", "provider": "服务机构"}
_STATUS = {**POSTING_STATUS_LABELS, **MATCH_STATUS_LABELS, **NOTIFY_MODES}
_INDICATORS = {number: f"{number}. {name}" for number, name, *_ in PLAN_INDICATORS}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def key_label(key: str) -> str:
    return DETAIL_LABELS.get(key) or FIELD_LABELS.get(key, key)


def value_text(key: str, value: Any) -> str:
    """A detail value as a person reads it: Chinese for codes, 是/否 for flags, — for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in ("from", "to"):
        return _STATUS.get(str(value), str(value))
    if key == "side":
        return _SIDES.get(str(value), str(value))
    if key == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if key == "kind":
        return ORG_KIND_LABELS.get(str(value), str(value))
    if key == "credit_standing":
        return CREDIT_LABELS.get(str(value), str(value))
    if key == "indicator" and isinstance(value, int):
        return _INDICATORS.get(value, str(value))
    if key == "score" and isinstance(value, int):
        return f"{value} 分"
    if key == "fields" and isinstance(value, list):
        return "、".join(key_label(str(v)) for v in value)
    if key == "ids" and isinstance(value, list):
        shown = "、".join(f"#{v}" for v in value[:5])
        return shown + (f" 等 {len(value)} 条" if len(value) > 5 else "")
    if key == "changes" and isinstance(value, dict):
        return "；".join(f"{key_label(k)}：{value_text(k, old)} → {value_text(k, new)}"
                        for k, (old, new) in value.items())
    return str(value)

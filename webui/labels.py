"""What the interface calls the fields of a report (Chinese first: the reports' own words)."""

from __future__ import annotations

from pipelines.parse.report.analysis import STAT_KEYS

__all__ = ["DOC_TYPES", "FORMATS", "STAT_LABELS", "stat_label"]

STAT_LABELS: dict[str, str] = {
    "proactive_total": "主动公开信息数 (proactively disclosed items)",
    "requests_received": "收到申请数 (requests received)",
    "requests_carried_over": "上年结转申请数 (carried over)",
    "requests_granted": "予以公开 (granted)",
    "requests_partly_granted": "部分公开 (partly granted)",
    "requests_refused": "不予公开 (refused)",
    "fees_collected": "收费金额 (fees collected)",
    "reconsideration_count": "行政复议 (administrative reconsiderations)",
    "litigation_count": "行政诉讼 (lawsuits)",
}
assert set(STAT_LABELS) == set(STAT_KEYS), "a stat without a label"

DOC_TYPES: dict[str, str] = {
    "annual_report": "年度报告 annual report",
    "notice": "通知公告 notice",
    "guide": "公开指南 guide",
    "functions": "机构职能 functions",
    "policy": "政策文件 policy",
    "other": "其他 other",
}
FORMATS: dict[str, str] = {
    "free-form": "free-form",
    "standard-2019": "2019 standard tables",
    "standard-2021": "2021 standard tables",
}


def stat_label(key: str) -> str:
    return STAT_LABELS.get(key, key)

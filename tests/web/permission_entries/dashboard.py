"""Permission-matrix entries for the indicator dashboard: officials, staff and admin read;
staff and admin enter and import; enterprises and providers are refused."""

from __future__ import annotations

from typing import Any

from tests.web.permission_entries import Entry

READERS = frozenset({"official", "staff", "admin"})
WRITERS = frozenset({"staff", "admin"})
_FIGURE = {"number": "2", "year": "2021", "value": "1060", "source": "区知识产权局（权限测试）"}

ENTRIES: list[Entry] = [
    # pages
    Entry("GET", "/dashboard", READERS),
    Entry("GET", "/dashboard/indicators/{indicator_number}", READERS),
    Entry("GET", "/dashboard/indicators/{qualification_indicator}/platform", READERS, note="enterprises counted for 高新技术企业"),
    Entry("GET", "/dashboard/operations", READERS),
    Entry("GET", "/dashboard/export.xlsx", READERS),
    Entry("GET", "/dashboard/import-template.xlsx", WRITERS, note="officials change nothing: no template"),
    Entry("GET", "/dashboard/entry", WRITERS),
    Entry("POST", "/dashboard/actuals", WRITERS, _FIGURE,
          note="the second allowed role repeats the figure: 422 duplicate"),
    Entry("POST", "/dashboard/actuals/{actual_id}/delete", WRITERS, {},
          note="the second allowed role finds it gone: 404"),
    Entry("POST", "/dashboard/import", WRITERS, {}, note="no file: 422 with a Chinese message"),
    # JSON API
    Entry("GET", "/api/v1/dashboard/indicators", READERS),
    Entry("GET", "/api/v1/dashboard/indicators/{contract_indicator}/platform", READERS, note="contracts behind indicator 7"),
    Entry("GET", "/api/v1/dashboard/operations", READERS),
    Entry("POST", "/api/v1/dashboard/actuals", WRITERS,
          {"number": 1, "year": 2020, "value": "1.05", "source": "区统计局（权限测试）"}),
]


def placeholders(session: Any, world: Any) -> dict[str, str]:
    """Indicators the platform counts itself: 3 (高新技术企业) and 7 (技术合同成交额)."""
    return {"qualification_indicator": "3", "contract_indicator": "7"}

"""Declare, in the OpenAPI document, the error bodies the API really sends.

Every API error is ``{"detail": str, "errors": {field: str}?}`` in Chinese (web.errors),
not FastAPI's default validation list, so clients and the fuzzer can check each answer
against the document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorOut", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "错误说明（中文）"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "逐字段的错误说明"},
    },
}
ERROR_STATUSES = {
    "400": "请求有误", "401": "请先登录", "403": "无权限或 CSRF 校验失败", "404": "未找到，或无权查看",
    "409": "状态冲突", "413": "请求内容过大", "422": "提交的内容有误", "429": "请求过于频繁",
    "503": "服务暂不可用",
}
_REF = {"$ref": "#/components/schemas/ErrorOut"}
# Every API write takes an optional Idempotency-Key (web.security.idempotency).
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
    "description": "幂等键（可选）：同一用户用同一键重发的写请求返回第一次的应答（状态与内容），不会重复写入；"
                   "键保留24小时。同一键用于方法、路径或内容不同的请求时返回 422。",
}
WRITES = ("post", "put", "patch", "delete")


def declare_error_responses(app: FastAPI) -> None:
    """Make ``app.openapi()`` list the error answers of every /api/ operation."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["ErrorOut"] = ERROR_SCHEMA
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in operations.items():
                if method in WRITES:
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses[status] = {"description": description,
                                         "content": {"application/json": {"schema": _REF}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

"""One place that turns errors into a Chinese HTML page or a JSON body."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.presentation.paths import route_path
from web.services.errors import DomainError, NotAuthenticated, PasswordChangeRequired

log = logging.getLogger("zhengqi")

_HTTP_MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "您没有执行此操作的权限",
    404: "未找到该页面或内容",
    405: "不支持该请求方式",
    413: "上传的文件过大",
    422: "提交的内容有误，请检查后重试",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
    503: "数据库暂时无法连接，请稍后再试",
}
RETRY_AFTER_SECONDS = 5

_FIELD_MESSAGES = {
    "missing": "必填项不能为空",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "greater_than_equal": "不能小于允许的最小值",
    "less_than_equal": "不能大于允许的最大值",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "enum": "取值不在允许的范围内",
    "literal_error": "取值不在允许的范围内",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体格式不正确",
    "extra_forbidden": "不接受该字段",
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(request: Request, status: int, message: str) -> Response:
    if not hasattr(request.state, "user"):
        # The error came before any dependency ran (e.g. 404): still show who is logged in.
        from web.deps import lookup_user

        try:
            lookup_user(request)
        except DBAPIError:  # the database is away: the error page shows no one logged in
            request.state.user = None
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "errors/error.html",
        {"status": status, "message": message, "request_id": getattr(request.state, "request_id", "")},
        status_code=status,
    )


def error_response(request: Request, status: int, message: str) -> Response:
    """A Chinese error as JSON for the API, as the error page otherwise (middleware use)."""
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    return _page(request, status, message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if wants_json(request):
            body: dict = {"detail": exc.message}
            errors = getattr(exc, "errors", None)
            if errors:
                body["errors"] = errors
            return JSONResponse(body, status_code=exc.status_code)
        if isinstance(exc, PasswordChangeRequired) and request.method == "GET":
            return RedirectResponse(route_path(request, "account_password_form"), status_code=303)
        if isinstance(exc, NotAuthenticated) and request.method == "GET":
            target = quote(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"{route_path(request, 'login_form')}?next={target}", status_code=303)
        return _page(request, exc.status_code, exc.message)

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: OperationalError) -> Response:
        # The database is down, unreachable or busy past its timeout: say so at once, in
        # Chinese, and let the client come back; the pool reconnects when it returns.
        request_id = getattr(request.state, "request_id", "")
        log.warning("database unavailable, request %s %s %s: %s", request_id, request.method,
                    request.url.path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        message = f"{_HTTP_MESSAGES[503]}（请求编号 {request_id}）" if request_id else _HTTP_MESSAGES[503]
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=503, headers=headers)
        request.state.user = getattr(request.state, "user", None)  # no database lookup now
        response = _page(request, 503, message)
        response.headers.update(headers)
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # The cause goes to the log under the request id; the person sees only the id.
        request_id = getattr(request.state, "request_id", "")
        log.error("unhandled error, request %s %s %s", request_id, request.method, request.url.path,
                  exc_info=exc)
        message = f"{_HTTP_MESSAGES[500]}。如需联系管理员，请提供请求编号 {request_id}"
        if wants_json(request):
            return JSONResponse({"detail": message, "request_id": request_id}, status_code=500)
        request.state.user = getattr(request.state, "user", None)  # no database lookup now
        return _page(request, 500, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = {}
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            errors[loc or "请求"] = _FIELD_MESSAGES.get(err.get("type", ""), "格式不正确")
        if wants_json(request):
            return JSONResponse({"detail": _HTTP_MESSAGES[422], "errors": errors}, status_code=422)
        detail = "；".join(f"{k}：{v}" for k, v in errors.items())
        return _page(request, 422, f"{_HTTP_MESSAGES[422]}（{detail}）")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = _HTTP_MESSAGES.get(exc.status_code, "请求无法完成")
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=exc.status_code)
        return _page(request, exc.status_code, message)

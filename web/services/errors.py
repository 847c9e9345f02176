"""Domain errors carrying an HTTP status and a message in Chinese."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    default_message = "请求有误"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


class ValidationFailed(DomainError):
    status_code = 422
    default_message = "提交的内容有误，请检查后重试"

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 errors: dict[str, str] | None = None) -> None:
        super().__init__(message, field=field)
        self.errors = errors or ({field: self.message} if field else {})


class NotFound(DomainError):
    status_code = 404
    default_message = "未找到该内容，或您无权查看"


class Forbidden(DomainError):
    status_code = 403
    default_message = "您没有执行此操作的权限"


class NotAuthenticated(DomainError):
    status_code = 401
    default_message = "请先登录"


class Conflict(DomainError):
    status_code = 409
    default_message = "该内容已被他人处理，请刷新后查看"


class InvalidTransition(DomainError):
    status_code = 409
    default_message = "当前状态下不能执行此操作"


class TooManyAttempts(DomainError):
    status_code = 429
    default_message = "登录失败次数过多，请稍后再试"


class PasswordChangeRequired(DomainError):
    status_code = 403
    default_message = "您正在使用管理员重置的一次性密码，请先修改密码"

"""One error body for every failure of the REST API: {"detail": ..., "code": ...}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .auth import RateLimited


class ErrorOut(Schema):
    """Every error: what went wrong, a stable code, and per-field problems (empty if none)."""

    detail: str
    code: str
    errors: list[dict[str, Any]]


ERROR_RESPONSES = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
}


def error(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str, **extra: Any
) -> HttpResponse:
    body = {"detail": detail, "code": CODES.get(status, "error"), "errors": [], **extra}
    return api.create_response(request, body, status=status)


def _plain_errors(errors: list[Any]) -> list[dict[str, Any]]:
    out = []
    for item in errors:
        out.append({"loc": [str(p) for p in item.get("loc", ())], "msg": str(item.get("msg", ""))})
    return out


def install(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = error(api, request, 401, "A valid, unrevoked API token is required.")
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(api, request, 403, str(exc) or "Not allowed.")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(api, request, 404, "Not found.")

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error(
            api, request, 422, "The request is not valid.", errors=_plain_errors(exc.errors)
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error(api, request, exc.status_code, str(exc))

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = error(api, request, 429, "Too many requests for this token; slow down.")
        response["Retry-After"] = str(exc.retry_after)
        return response

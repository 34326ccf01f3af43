from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context


def client_ip(request: HttpRequest) -> str | None:
    # Only REMOTE_ADDR: a forwarded header can be forged unless a trusted proxy sets it, and the
    # deployment guide tells operators to have the proxy overwrite REMOTE_ADDR instead.
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and opens the acting context."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        acting = context.ActingContext(request_id=request_id, source="web", ip=client_ip(request))
        with context.acting(acting):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import context, trail


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For is believed only when the request comes from a
    proxy named in ALLIANCE_TRUSTED_PROXIES, and then only its right-most untrusted entry: what
    a client writes into the header itself is to the left of what the proxy appended."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = set(settings.TRUSTED_PROXIES)
    if remote not in trusted:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if address not in trusted:
            return address[:45]
    return remote


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and opens the acting context."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        acting = context.ActingContext(
            request_id=request_id, source="web", ip=client_ip(request), reads=context.Reads()
        )
        with context.acting(acting):
            response = self.get_response(request)
            trail.record_page_read(request, response.status_code)
        response["X-Request-ID"] = request_id
        return response

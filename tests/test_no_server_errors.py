"""No URL of the product answers 500, for anyone, whatever the input.

Walks every URL pattern of the project's own apps (allauth and the operators' Django admin are
third-party and tested upstream), fills each parameter with real, foreign, zero and absurd
values, and sends GET and a junk POST as every named person.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import Clinic

SKIP_PREFIXES = ("accounts/", "operator/", "i18n/")
JUNK = {
    "code": "\x00<script>alert(1)</script>",
    "display_name": "x" * 5000,
    "email": "not-an-email",
    "starts_at": "31/31/31",
    "duration_minutes": "-1",
    "status": "deleted",
    "to_state": "nope",
    "organization": "²",
    "role": "god",
    "client": "abc",
    "user": "-5",
    "page": "9" * 30,
    "idempotency_key": "'; DROP TABLE x; --",
    "what_was_said": "<b>hi</b>",
    "since": "yesterday",
    "entry": "1\x00",
    "action": "remove",
    "q1-bond": "²",
    "q1-goals": "9" * 5000,
    "q1-change": "a\x00b",
    "q2-bond": "-0",
    "text": "\x00",
    "kind": "drop",
    "position": "²",
}
QUERIES = [{"q": "\x00"}, {"client": "²", "need": "\x00", "page": "-1"}]


def routes(patterns: list[Any] | None = None, prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and not route.startswith(SKIP_PREFIXES):
            found.append(route)
    return found


def concrete(route: str, ids: list[int]) -> list[str]:
    """Every way of filling the route's parameters with our sample values."""
    samples = {"id": [str(i) for i in ids], "str": ["closed", "drop", "x"], "slug": ["alliance"]}
    paths = [route]
    for kind, _name in re.findall(r"<(\w+):(\w+)>", route):
        paths = [
            p.replace(f"<{kind}:{_name}>", value, 1)
            for p in paths
            for value in samples.get(kind, ["x"])
        ]
    return ["/" + p.lstrip("^").rstrip("$") for p in paths]


def test_every_route_is_covered() -> None:
    assert len(routes()) >= 30


@pytest.mark.parametrize(
    "who", ["anonymous", "therapist", "colleague", "supervisor", "admin", "researcher", "outsider"]
)
def test_no_route_answers_500(clinic: Clinic, who: str) -> None:
    ids = sorted(
        {
            clinic.client.pk,
            clinic.episode.pk,
            clinic.session.pk,
            clinic.outsider_episode.pk,
            0,
            999_999_999_999_999_999,
        }
    )
    http = clinic.login(who)
    http.raise_request_exception = False
    failures = []
    for route in routes():
        for path in concrete(route, ids):
            for method, data in [("post", JUNK), *(("get", q) for q in QUERIES)]:
                response = getattr(http, method)(path, data)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {path} -> {response.status_code}")
    assert failures == []

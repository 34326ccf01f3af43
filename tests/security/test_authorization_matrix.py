"""Every route of the product, for every actor: exactly the access tests/security/matrix.py says.

- Every URL pattern and every django-ninja operation must be classified in matrix.py; a new route
  fails here until someone decides who may reach it.
- GET: each actor gets the classified outcome, with the clinic's real ids (so OK is really OK
  and the outsider's 404 is about the clinic's own objects).
- POST: each actor gets the classified outcome; a refused POST changes nothing in the database.
  Every POST runs in a savepoint that is rolled back, so one actor's success does not change
  what the next route sees.
- No response to anyone ever contains a client of an organization the actor does not belong to.
- Every state-changing staff route refuses a POST without a CSRF token.

One test per actor loops over the routes: the suite runs on two databases on a 2-core machine.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import PathView

from tests.conftest import Clinic

from . import matrix
from .world import (
    CLINIC_CLIENT,
    GUESSED_TOKEN,
    World,
    build,
    fingerprint,
    post_bodies,
    row_counts,
)

# --- enumerating the routes ----------------------------------------------------------------------


def _path_view(callback: Any) -> PathView | None:
    """The django-ninja PathView behind a URL pattern's view, if it is one."""
    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents
    return None


def enumerate_routes(
    patterns: list[Any] | None = None, prefix: str = ""
) -> dict[str, tuple[Any, set[str]]]:
    """Every project route: {route: (view, methods of its ninja operations or empty)}."""
    found: dict[str, tuple[Any, set[str]]] = {}
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(tuple(matrix.SKIPPED_PREFIXES)):
            continue
        if isinstance(entry, URLResolver):
            found.update(enumerate_routes(entry.url_patterns, route))
        elif isinstance(entry, URLPattern):
            view = _path_view(entry.callback)
            methods = {m for op in view.operations for m in op.methods} if view else set()
            found[route] = (entry.callback, methods)
    return found


def test_every_route_and_api_operation_is_classified() -> None:
    routes = enumerate_routes()
    missing = sorted(set(routes) - set(matrix.ROUTES))
    assert not missing, (
        "Classify these routes in tests/security/matrix.py (who gets what):\n  "
        + "\n  ".join(missing)
    )
    stale = sorted(set(matrix.ROUTES) - set(routes))
    assert not stale, f"matrix.py lists routes that no longer exist: {stale}"
    unclassified = [
        f"{method} {route}"
        for route, (_view, methods) in routes.items()
        for method in methods
        if getattr(matrix.ROUTES[route], method.lower(), None) is None
    ]
    assert not unclassified, f"Classify these API operations in matrix.py: {unclassified}"
    for route, spec in matrix.ROUTES.items():
        for outcomes in (spec.get, spec.post):
            if outcomes is not None:
                assert set(outcomes) == set(matrix.ACTORS), route
                assert set(outcomes.values()) <= set(matrix.STATUS), route


def test_only_client_link_pages_skip_the_csrf_check() -> None:
    exempt = {
        route
        for route, (view, methods) in enumerate_routes().items()
        if getattr(view, "csrf_exempt", False) and not methods
    }
    assert exempt == set(matrix.CSRF_EXEMPT)


def test_api_operations_authenticate_only_by_bearer_token() -> None:
    """Cookie-based auth on the API would need CSRF protection; bearer tokens do not."""
    from ninja.security import HttpBearer

    for route, (view, methods) in enumerate_routes().items():
        if not methods:
            continue
        for operation in _path_view(view).operations:
            for auth in operation.auth_callbacks:
                assert isinstance(auth, HttpBearer), (route, auth)


# --- running the matrix --------------------------------------------------------------------------


@pytest.fixture
def world(clinic: Clinic) -> World:
    return build(clinic)


def _path(route: str, spec: matrix.Route, world: World, actor: str) -> str:
    path = route
    for name, key in spec.params.items():
        if key == "token":
            value = world.link_token if actor == "link" else GUESSED_TOKEN
        else:
            value = world.ids.get(key, key)
        path = re.sub(rf"<(\w+:)?{name}>", value, path)
    assert "<" not in path, f"{route}: fill every parameter in matrix.py ({path})"
    return "/" + path


def _verdict(outcome: str, response: Any) -> str | None:
    """Why the response is not the expected outcome, or None."""
    status = response.status_code
    if status not in matrix.STATUS[outcome]:
        return f"expected {outcome}, got {status}"
    location = response.get("Location", "") if status == 302 else ""
    to_login = location.startswith("/accounts/login/")
    if outcome == matrix.LOGIN and not to_login:
        return f"expected the sign-in page, redirected to {location!r}"
    if outcome in (matrix.REDIRECT, matrix.NO_EFFECT) and to_login:
        return "sent to the sign-in page"
    return None


def _leak(world: World, actor: str, response: Any) -> str | None:
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    shown = [marker for marker in world.foreign_markers(actor) if marker in text]
    return f"shows {shown}" if shown else None


def _send(http: Any, method: str, path: str, body: Any) -> Any:
    if method == "get":
        return http.get(path)
    if path.startswith(("/api/", "/fhir/")):
        return http.post(path, data=json.dumps(body or {}), content_type="application/json")
    return http.post(path, body or {})


# Refusals that happen before any view code runs: row counts are enough to see nothing changed.
EARLY_REFUSALS = {matrix.LOGIN, matrix.UNAUTHORIZED, matrix.NOT_ALLOWED}


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """What the configured log handler writes during the test."""
    from tests.test_log_privacy import configured_handler

    handler, stream = configured_handler(), io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.parametrize("actor", matrix.ACTORS)
def test_each_actor_gets_exactly_its_outcome_on_every_route(
    world: World, actor: str, server_log: io.StringIO
) -> None:
    http = world.browser(actor)
    failures = _get_failures(world, http, actor) + _post_failures(world, http, actor)
    # A refusal is an answer, not a fault: it is logged in one line, never with a traceback.
    if "Traceback" in server_log.getvalue():
        failures.append("a traceback in the server log:\n" + server_log.getvalue()[:2000])
    assert not failures, f"{actor}:\n  " + "\n  ".join(failures)


def _get_failures(world: World, http: Any, actor: str) -> list[str]:
    failures = []
    for route, spec in matrix.ROUTES.items():
        if spec.get is None:
            continue
        path = _path(route, spec, world, actor)
        query = spec.query.format(**world.ids)
        cache.clear()  # the check-in links' per-address limit on failed lookups
        response = http.get(f"{path}?{query}" if query else path)
        problem = (
            _verdict(spec.get[actor], response)
            or _leak(world, actor, response)
            or _unmarked_clinical(spec, response)
        )
        if problem:
            failures.append(f"GET {path}: {problem}")
    return failures


def _unmarked_clinical(spec: matrix.Route, response: Any) -> str | None:
    """A page that shows the clinic's client by name is clinical: its reads must be audited."""
    if spec.clinical or response.status_code != 200 or response.streaming:
        return None
    if CLINIC_CLIENT[0] in response.content.decode("utf-8", errors="replace"):
        return "shows a client's name but is not marked clinical=True in matrix.py"
    return None


def _post_failures(world: World, http: Any, actor: str) -> list[str]:
    """Each POST runs in a savepoint rolled back afterwards: a success leaves no trace for the
    next route, and a refusal must not have changed anything before the rollback."""
    bodies = post_bodies(world)
    counts, rows = row_counts(), fingerprint()
    failures = []
    for route, spec in matrix.ROUTES.items():
        if spec.post is None:
            continue
        path = _path(route, spec, world, actor)
        outcome = spec.post[actor]
        cache.clear()
        with transaction.atomic():
            response = _send(http, "post", path, bodies.get(spec.data))
            if outcome in EARLY_REFUSALS:
                changed = row_counts() != counts
            else:
                changed = outcome in matrix.REFUSALS and fingerprint() != rows
            transaction.set_rollback(True)
        problem = _verdict(outcome, response) or _leak(world, actor, response)
        if changed:
            problem = f"{outcome} ({response.status_code}) but the database changed"
        if problem:
            failures.append(f"POST {path}: {problem}")
    return failures


def _csrf_cases() -> list[tuple[str, str]]:
    """Each staff route that changes something, with an actor allowed to change it."""
    allowed = {matrix.OK, matrix.REDIRECT, matrix.CREATED}
    cases = []
    for route, spec in matrix.ROUTES.items():
        if spec.post is None or route in matrix.CSRF_EXEMPT or route.startswith(("api/", "fhir/")):
            continue
        actor = next((a for a in matrix.WEB if spec.post[a] in allowed), None)
        if actor is not None:  # else nobody may POST there: the matrix shows the refusals
            cases.append((route, actor))
    return cases


def test_a_post_without_csrf_token_is_refused_on_every_state_changing_route(
    world: World,
) -> None:
    bodies = post_bodies(world)
    cases = _csrf_cases()
    browsers = {actor: world.browser(actor) for _route, actor in cases}
    for http in browsers.values():
        http.handler.enforce_csrf_checks = True
    before = fingerprint()  # after signing in, which sets last_login
    failures = []
    for route, actor in cases:
        spec = matrix.ROUTES[route]
        http = browsers[actor]
        path = _path(route, spec, world, actor)
        with transaction.atomic():
            response = _send(http, "post", path, bodies.get(spec.data))
            changed = fingerprint() != before
            transaction.set_rollback(True)
        if response.status_code != 403 or b"CSRF" not in response.content or changed:
            failures.append(f"POST {path} as {actor}: {response.status_code}, changed={changed}")
    assert not failures, "\n".join(failures)


# --- audit by construction -----------------------------------------------------------------------


def _clinical_cases() -> list[tuple[str, str | None]]:
    """Each route marked clinical, with the first actor who reads it (a person before a token)."""
    order = ("therapist", "supervisor", "admin", "researcher", "token")
    return [
        (route, next((a for a in order if spec.get[a] == matrix.OK), None))
        for route, spec in matrix.ROUTES.items()
        if spec.clinical and spec.get is not None
    ]


def test_every_clinical_page_writes_an_audit_event(world: World) -> None:
    """Issue 14, finding 4: a page that reads client data is audited whether or not its view
    remembers to say so (the access layer notes what it hands out; the request middleware
    records a "viewed" event when the view wrote none)."""
    from alliance.audit.models import Action, AuditEvent

    cases = _clinical_cases()
    assert all(actor for _route, actor in cases), f"nobody reads: {cases}"
    # The token's browser last: it turns on the setting a token needs to read anything.
    actors = sorted({a for _r, a in cases if a}, key=lambda a: a == "token")
    browsers = {actor: world.browser(actor) for actor in actors}
    failures = []
    for route, actor in cases:
        spec = matrix.ROUTES[route]
        path = _path(route, spec, world, actor)
        query = spec.query.format(**world.ids)
        response = browsers[actor].get(f"{path}?{query}" if query else path)
        assert response.status_code == 200, (route, actor, response.status_code)
        request_id = response["X-Request-ID"]
        reads = AuditEvent.objects.filter(action__in=(Action.VIEW, Action.EXPORT))
        if not reads.filter(request_id=request_id).exists():
            failures.append(f"GET {path} as {actor}: no audit event")
    assert not failures, "\n".join(failures)

"""A staff page is protected even when its author forgets: LoginRequiredMiddleware asks for
sign-in before any view runs, unless the view is marked login_not_required. Only the pages a
person reaches without signing in are marked: the client's check-in link pages, the health
check, the language choice and the API (bearer tokens, 401 JSON). The matrix says which those are.
"""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse

from alliance.urls import urlpatterns as project_urls

from . import matrix
from .test_authorization_matrix import enumerate_routes


def forgotten(request: HttpRequest) -> HttpResponse:
    """A new staff view whose author forgot every decorator."""
    return HttpResponse("a client's name")


urlpatterns = [path("forgotten/", forgotten), *project_urls]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_view_without_any_decorator_still_asks_for_sign_in(client: Client) -> None:
    response = client.get("/forgotten/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert b"client" not in response.content


def test_only_the_pages_the_matrix_opens_to_everyone_skip_sign_in() -> None:
    """A route skips the sign-in check exactly when the matrix gives someone who is not signed
    in an answer other than the sign-in page."""
    open_routes = {
        route
        for route, (view, _methods) in enumerate_routes().items()
        if not getattr(view, "login_required", True)
    }
    public = {
        route
        for route, spec in matrix.ROUTES.items()
        if any(
            outcomes["anonymous"] != matrix.LOGIN
            for outcomes in (spec.get, spec.post)
            if outcomes is not None
        )
    }
    assert open_routes == public

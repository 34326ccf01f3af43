"""A therapist signs in, adds a client, opens an episode and records a session, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from alliance.care.models import Client, Session
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_therapist_adds_client_opens_episode_records_session(
    clinic: Any, live_server: Any, page: Any
) -> None:
    blocked: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(live_server.url) else blocked.append(r.url)
    )
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server.url, "tess@northside.test")
    assert page.get_by_role("heading", name="My caseload").is_visible()

    page.get_by_role("link", name="Add a client").first.click()
    page.get_by_label("Client code").fill("C-0100")
    page.get_by_label("Display name").fill("Robin")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("heading", name="Robin").is_visible()

    page.get_by_role("link", name="Open a care episode").click()
    page.get_by_label("Robin (C-0100)").check()
    page.get_by_role("button", name="Open episode").click()
    page.get_by_label("Date and time").fill("20 Nov 2026")  # the clinic's date format
    page.get_by_label("Time", exact=True).fill("10:00")
    page.get_by_role("button", name="Add session").click()
    assert page.get_by_role("heading", name="Session 1").is_visible()

    client = Client.objects.get(code="C-0100")
    assert Session.objects.filter(episode__participants__client=client).count() == 1
    assert blocked == [], "the staff pages must make no third-party request"
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_outsider_sees_not_found_for_another_clinics_client(
    clinic: Any, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server.url, "otto@other.test")
    response = page.goto(f"{live_server.url}/clients/{clinic.client.pk}/")
    assert response.status == 404
    assert "Alex" not in page.content()

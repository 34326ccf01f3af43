"""A client opens a check-in link on a phone, answers, submits and sees the thank-you page;
the same with JavaScript turned off. Uses the Chromium fixtures of tests/browser/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from alliance.audit import context
from alliance.checkins import services
from alliance.checkins.models import Response
from alliance.measures.models import current_instrument

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def fresh_acting_context() -> Iterator[None]:
    with context.acting(context.ActingContext(request_id=context.new_request_id(), source="cli")):
        yield


def _link(clinic: Any, live_server: Any) -> str:
    participant = clinic.episode.participants.get(client=clinic.client)
    _checkin, token = services.issue_link(
        clinic.session,
        participant,
        by=clinic.therapist,
        instruments=[current_instrument("alliance-checkin-client")],
    )
    return f"{live_server.url}/c/{token}/"


def _answer_and_submit(page: Any, url: str, live_server: Any) -> list[str]:
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(live_server.url) or r.url.startswith("data:")
            else elsewhere.append(r.url)
        ),
    )
    page.goto(url)
    assert page.get_by_role("heading", name="How was your session?").is_visible()
    for question, value in (
        ("heard, understood", "9"),
        ("what I wanted", "7"),
        ("good fit", "8"),
        ("Overall", "6"),
    ):
        group = page.get_by_role("group", name=question)
        group.locator(f"label.tap:has(input[value='{value}'])").click()
        assert group.locator(f"input[value='{value}']").is_checked()
    page.get_by_label("What should we do differently next time?").fill("Slower pace.")
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_role("heading", name="Thank you").is_visible()
    return elsewhere


def test_client_answers_on_a_phone(clinic: Any, live_server: Any, chromium: Any) -> None:
    browser_context = chromium.new_context(**PHONE)
    page = browser_context.new_page()
    try:
        elsewhere = _answer_and_submit(page, _link(clinic, live_server), live_server)
        # the 0-10 buttons are big enough to tap
        page.go_back()
        assert "Your answers were received" in page.content()
    finally:
        browser_context.close()
    assert elsewhere == []
    stored = Response.objects.get()
    assert stored.answers == {
        "bond": 9,
        "goals": 7,
        "tasks": 8,
        "overall": 6,
        "change": "Slower pace.",
    }
    assert stored.scores["scales"]["alliance"] == 7.5


def test_client_answers_with_javascript_off(clinic: Any, live_server: Any, chromium: Any) -> None:
    browser_context = chromium.new_context(java_script_enabled=False, locale="de-DE", **PHONE)
    page = browser_context.new_page()
    try:
        url = _link(clinic, live_server)
        page.goto(url)
        assert page.get_by_role("heading", name="Wie war Ihre Sitzung?").is_visible()
        box = page.locator("label.tap").first.bounding_box()
        # One row of eleven on a phone: 48 px high, narrower than 44 (docs/decisions.md).
        assert box["height"] >= 44 and box["width"] >= 24
        page.locator("label.tap:has(input[name='q1-bond'][value='10'])").click()
        page.get_by_role("button", name="Antworten senden").click()
        # Three ratings skipped: asked once, then sent as they are.
        assert page.get_by_role("heading", name="Sie haben 3 Fragen übersprungen").is_visible()
        page.get_by_role("button", name="Trotzdem senden").click()
        assert page.get_by_role("heading", name="Vielen Dank").is_visible()
    finally:
        browser_context.close()
    stored = Response.objects.get()
    assert stored.answers == {"bond": 10}, (stored.instrument_key, stored.channel, stored.scores)

"""In Chromium: a client's risk answer on a phone, the crisis information they see, and the
therapist's badge and list on the other side (the live server runs the on-commit path for real)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from alliance.accounts.models import CrisisInformation
from tests.browser.test_foundation_browser import sign_in
from tests.checkins.helpers import issue

pytestmark = pytest.mark.browser


def _answer_phq9_on_a_phone(phone_page: Any, base: str, token: str) -> None:
    phone_page.goto(f"{base}/c/{token}/")
    expect(phone_page.get_by_text("They are not monitored around the clock.")).to_be_visible()
    for item in range(1, 9):
        phone_page.locator(f"input[name='q1-phq9-{item}'][value='1']").check(force=True)
    phone_page.locator("input[name='q1-phq9-9'][value='2']").check(force=True)
    phone_page.get_by_role("button", name="Send my answers").click()
    phone_page.get_by_role("button", name="Send anyway").first.click()  # item 10 left out


def test_a_risk_answer_shows_help_to_the_client_and_a_badge_to_the_therapist(
    clinic: Any, live_server: Any, page: Any, phone_page: Any
) -> None:
    CrisisInformation.objects.create(
        organization=clinic.org,
        language="en",
        emergency="If you are in danger now, call 999.",
        services="Samaritans: 116 123",
    )
    _request, token = issue(clinic, only=("phq-9",))
    _answer_phq9_on_a_phone(phone_page, live_server.url, token)
    help_block = phone_page.get_by_role("region", name="If you need help now")
    expect(help_block).to_be_visible()
    expect(help_block).to_contain_text("116 123")
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server.url, "tess@northside.test")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notifications 2 new")).to_be_visible()
    nav.get_by_role("link", name="Notifications 2 new").click()
    expect(page.get_by_text("Risk answer from Alex (C-0001) · session 1")).to_be_visible()
    expect(page.get_by_text("New check-in from Alex (C-0001) · session 1")).to_be_visible()
    page.reload()
    expect(nav.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

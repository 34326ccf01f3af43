"""A therapist opens My patterns from the navigation, reads the figures with their intervals
under the strict CSP, and starts a practice period — in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from alliance.growth.models import PracticePeriod
from tests.browser.test_foundation_browser import sign_in
from tests.growth.helpers import client_with_ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_my_patterns_and_a_practice_period(clinic: Any, live_server: Any, page: Any) -> None:
    for i, value in enumerate([6, 7, 8, 9, 10]):
        client_with_ratings(clinic, f"B-{i}", [value, value], own=[value, value])
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server.url, "tess@northside.test")
    page.get_by_role("link", name="My patterns").click()
    page.get_by_role("heading", name="My patterns").wait_for()
    overall = page.get_by_role("table", name="Client-rated alliance overall")
    row = overall.get_by_role("row", name="All sessions")
    assert "8.0" in row.inner_text() and "6.0 to 10.0" in row.inner_text()
    assert page.locator("svg.interval").count() >= 3
    assert page.get_by_text("Who can see this page:").is_visible()

    page.get_by_role("link", name="Choose a skill to practise").click()
    page.get_by_label("Skill to practise").select_option(label="Reflect back before advising")
    page.get_by_label("From").fill("2026-03-01")
    page.get_by_label("Until (inclusive)").fill("2026-03-28")
    page.get_by_role("button", name="Save the practice period").click()
    page.get_by_text("Practice period saved.").wait_for()
    assert page.get_by_role("heading", name="Reflect back before advising").is_visible()
    assert PracticePeriod.objects.get().days == 28
    assert errors == []

"""A therapist does the wellbeing self-check on a phone and sees the trend drawn, in Chromium,
under the strict CSP."""

from __future__ import annotations

from typing import Any

import pytest

from alliance.wellbeing import scoring
from alliance.wellbeing.models import SelfCheck
from tests.browser.test_foundation_browser import sign_in
from tests.wellbeing.helpers import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_self_check_on_a_phone_with_suggestions_and_trend(
    clinic: Any, live_server: Any, phone_page: Any
) -> None:
    check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3, days_ago=28)
    check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3, days_ago=14)
    page = phone_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server.url, "tess@northside.test")
    page.goto(f"{live_server.url}/me/wellbeing/")
    assert page.get_by_text("not a validated instrument, for your own reflection").is_visible()
    chosen = dict(zip(scoring.ITEM_KEYS, [4, 3, 1, 1, 1, 1, 1, 3], strict=True))
    for item in scoring.ITEMS:
        answer = chosen[item.key]
        label = f"{answer} {scoring.ANSWER_LABELS[answer]}"
        page.locator("fieldset", has_text=item.text).get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Save my self-check").click()
    page.get_by_text("Self-check saved. Only you can see it.").wait_for()
    assert page.get_by_text("Exhaustion looks high in this check.").is_visible()
    assert SelfCheck.objects.count() == 3

    page.get_by_role("link", name="My wellbeing").first.click()
    page.locator(".vega-chart svg").first.wait_for()
    table = page.locator("table.wb-trend tbody")
    assert table.locator("tr").count() == 3
    newest = table.locator("tr").first.inner_text()
    assert "3.5" in newest and "\t13\t+5.0" in newest  # total 13 against a usual 8
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the self-check must fit a phone screen without sideways scrolling"
    assert not [e for e in errors if "Content Security Policy" in e], errors

"""A staff date box in the clinic's format, in Chromium under the strict CSP: typed in the
clinic's order on a phone, the calendar button fills it the way the clinic writes dates, and a
bad date comes back with its message and the text as typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.test_foundation_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_date_is_typed_picked_and_refused_in_the_clinics_format(
    clinic: Any, live_server: Any, phone_page: Any
) -> None:
    clinic.org.date_style = "mdy"
    clinic.org.save()
    errors: list[str] = []
    page = phone_page
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, "tess@northside.test")
    page.goto(f"{live_server.url}/episodes/{clinic.episode.pk}/settings/")
    box = page.get_by_label("Started on")
    assert box.get_attribute("type") == "text" and box.get_attribute("placeholder") == "mm/dd/yyyy"
    assert "month/day/year, e.g. 10/22/2026" in page.locator(".date-hint").inner_text()

    box.fill("31/12/2026")  # day first, in a month-first clinic
    page.get_by_role("button", name="Save details").click()
    assert "Enter it as month/day/year" in page.locator(".error").inner_text()
    assert page.get_by_label("Started on").input_value() == "31/12/2026"

    # The calendar button writes the picked day the clinic's way (the picker itself is the
    # browser's own window, so the test sets its value as a person's choice would).
    page.get_by_role("button", name="Open the calendar").wait_for()
    page.locator(".date-pick-native").evaluate(
        "el => { el.value = '2026-03-04'; el.dispatchEvent(new Event('change')); }"
    )
    assert page.get_by_label("Started on").input_value() == "Mar 4, 2026"
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("Episode details saved.").wait_for()
    clinic.episode.refresh_from_db()
    assert clinic.episode.started_on == dt.date(2026, 3, 4)
    assert page.get_by_label("Started on").input_value() == "Mar 4, 2026"

    page.get_by_label("Started on").fill("3/5/2026")  # typed, month first
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("Episode details saved.").wait_for()
    clinic.episode.refresh_from_db()
    assert clinic.episode.started_on == dt.date(2026, 3, 5)
    # Only the refused date's own 400 answer; no script error (CSP or otherwise).
    assert [e for e in errors if "status of 400" not in e] == []

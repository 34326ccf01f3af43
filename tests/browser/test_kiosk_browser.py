"""Office tablet mode in Chromium on a tablet-sized window (820×1180): a couple's two clients
answer in turn on one tablet, and nothing the first one answered can be seen by the second —
not on the neutral screen, not in the next form, not after pressing "back", and not after the
tablet went back to the neutral screen on its own."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alliance.checkins.models import Response
from tests.browser.test_foundation_browser import sign_in
from tests.checkins.test_kiosk import couple

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"viewport": {"width": 820, "height": 1180}, "is_mobile": True, "has_touch": True}
FIRST_WORDS = "Alex wrote this privately"


@pytest.fixture
def tablet(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(**TABLET)
    page = context.new_page()
    yield page
    context.close()


def answer_every_rating(page: Any, value: str) -> None:
    for question in page.locator("fieldset").all():
        option = question.locator(f"label.tap:has(input[value='{value}'])")
        if option.count():
            option.click()


def nothing_of_the_first_client(page: Any) -> None:
    html = page.content()
    assert FIRST_WORDS not in html
    assert page.locator("input[type=radio]:checked").count() == 0
    for box in page.locator("textarea").all():
        assert box.input_value() == ""


def test_two_clients_in_a_row_on_one_tablet(
    clinic: Any, live_server: Any, tablet: Any, settings: Any
) -> None:
    settings.KIOSK_IDLE_SECONDS = 3
    session = couple(clinic)
    errors: list[str] = []
    tablet.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(tablet, live_server.url, "tess@northside.test")
    tablet.goto(f"{live_server.url}/kiosk/")
    couples_row = tablet.locator("ul.kiosk-sessions li", has_text="Alex, Bo")
    couples_row.get_by_role("button", name="Use the tablet for this session").click()
    tablet.get_by_role("heading", name="Please hand the tablet to your client").wait_for()
    assert "Alex" not in tablet.content() and "Bo" not in tablet.content()

    # The first client answers and sends.
    tablet.get_by_role("button", name="Start").click()
    tablet.get_by_text("For Alex").wait_for()
    answer_every_rating(tablet, "3")
    tablet.locator("textarea").first.fill(FIRST_WORDS)
    tablet.get_by_role("button", name="Send my answers").click()
    tablet.get_by_role("heading", name="Thank you").wait_for()
    assert FIRST_WORDS not in tablet.content()
    tablet.go_back()  # back to the form? It is gone.
    tablet.get_by_role("heading", name="Please hand the tablet to your client").wait_for()
    assert FIRST_WORDS not in tablet.content()
    assert tablet.locator("textarea").count() == 0

    # The second client starts from the neutral screen: a fresh, empty form.
    tablet.get_by_role("button", name="Start").click()
    tablet.get_by_text("For Bo").wait_for()
    nothing_of_the_first_client(tablet)
    answer_every_rating(tablet, "9")
    tablet.locator("textarea").first.fill("Bo was here")
    # Bo puts the tablet down: after the idle time it returns to the neutral screen by itself.
    tablet.get_by_role("heading", name="Please hand the tablet to your client").wait_for(
        timeout=10_000
    )
    assert tablet.url.endswith("/kiosk/ready/")
    tablet.go_back()
    tablet.wait_for_load_state()
    assert "Bo was here" not in tablet.content()
    assert tablet.locator("input[type=radio]:checked").count() == 0

    # Bo tries again and sends; then the tablet says everyone is done.
    tablet.goto(f"{live_server.url}/kiosk/ready/")
    tablet.get_by_role("button", name="Start").click()
    tablet.get_by_text("For Bo").wait_for()
    nothing_of_the_first_client(tablet)
    answer_every_rating(tablet, "9")
    tablet.get_by_role("button", name="Send my answers").click()
    tablet.get_by_role("heading", name="Thank you").wait_for()
    tablet.goto(f"{live_server.url}/kiosk/ready/")
    tablet.get_by_role("heading", name="All done").wait_for()

    # Locked: the caseload is not reachable from the tablet while the mode is on.
    tablet.goto(f"{live_server.url}/")
    assert tablet.url.endswith("/kiosk/ready/")
    assert errors == []
    stored = {
        r.participant.client.display_name: r.answers
        for r in Response.objects.filter(session=session)
    }
    assert set(stored) == {"Alex", "Bo"}
    assert FIRST_WORDS in stored["Alex"].values()
    assert "Bo was here" not in stored["Bo"].values()


# Screenshots to look at, outside the repository.
SHOTS = Path(tempfile.gettempdir()) / "alliance-kiosk-crisis"


def test_a_risk_answer_on_the_tablet_shows_where_help_is(
    clinic: Any, live_server: Any, chromium: Any
) -> None:
    """Beside PHQ-9 item 9 and on the thank-you screen after a risk answer, the clinic's
    emergency text is visible on the tablet (820×1180), and a phone-sized one (390×844)."""
    for width, height in ((820, 1180), (390, 844)):
        context = chromium.new_context(**{**TABLET, "viewport": {"width": width, "height": height}})
        page = context.new_page()
        sign_in(page, live_server.url, "tess@northside.test")
        page.goto(f"{live_server.url}/kiosk/")
        page.get_by_role("button", name="Use the tablet for this session").first.click()
        page.get_by_role("button", name="Start").click()
        item9 = page.locator("fieldset", has=page.locator("input[name='q1-phq9-9']"))
        item9.locator("label.tap:has(input[value='2'])").click()
        beside = page.locator("fieldset:has(input[name='q1-phq9-9']) + .crisis .emergency")
        assert beside.is_visible()
        answer_every_rating(page, "1")
        item9.locator("label.tap:has(input[value='2'])").click()
        page.get_by_role("button", name="Send my answers").click()
        send_anyway = page.get_by_role("button", name="Send anyway")
        page.get_by_role("heading", name="Thank you").or_(send_anyway).first.wait_for()
        if send_anyway.count():
            send_anyway.click()
        page.get_by_role("heading", name="Thank you").wait_for()
        page.get_by_role("heading", name="If you need help now").wait_for()
        assert page.locator(".crisis.prominent .emergency").is_visible()
        assert "Alex" not in page.content()
        page.screenshot(path=f"{SHOTS}-{width}x{height}.png", full_page=True)
        context.close()
        Response.objects.filter(session=clinic.session).delete()

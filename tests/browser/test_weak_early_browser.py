"""A weak early alliance, as a therapist sees it: on the caseload, and on the episode page with
its reason and the things to say — in Chromium, on a laptop and on a phone."""

from __future__ import annotations

import os
from typing import Any

import pytest

from alliance.insights import services
from tests.browser.test_foundation_browser import sign_in
from tests.insights.test_alerts import rate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("ALLIANCE_SCREENSHOTS")  # a folder for screenshots to look at, if set


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)])
def test_weak_early_alliance_alert_with_what_to_say(
    clinic: Any, live_server: Any, chromium: Any, viewport: tuple[int, int]
) -> None:
    for number in (1, 2, 3):
        rate(clinic.episode, number, 8)  # the default typical level: 8.5 from session 3
    services.recompute_episode(clinic.episode)
    width, height = viewport
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    sign_in(page, live_server.url, "tess@northside.test")
    assert "Weak early alliance" in page.locator("#caseload").inner_text()
    _shot(page, f"weak-caseload-{width}")
    page.locator("#caseload").get_by_role("link", name="Alex").first.click()

    card = page.locator("details.alert-card", has_text="Weak early alliance").first
    card.locator("summary").first.click()
    text = card.inner_text()
    assert "8 today, session 3" in text or "8 at session 3" in text
    assert "75% of clients rate 8.5 or more by then" in text
    assert "How is it going for you so far?" in text  # a prompt from the library
    legend = page.locator(".legend").inner_text()
    assert "Usual early alliance: where the clinic's clients usually are" in legend
    page.locator(".vega-chart svg").first.wait_for()
    _shot(page, f"weak-episode-{width}")
    context.close()


def test_clinic_plan_says_every_session_is_for_individual_therapy(
    clinic: Any, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server.url, "ada@northside.test")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/org/checkin-plan/")
        text = page.inner_text("main")
        assert "then every 4 sessions: every session is for individual therapy" in text
        row = page.locator("tr", has_text="PHQ-9").inner_text()
        assert "every session in individual therapy; session 1, then every 4 sessions" in row
        _shot(page, f"clinic-plan-{width}")


def test_admin_sets_the_weak_early_alliance_and_first_score_percentiles(
    clinic: Any, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server.url, "ada@northside.test")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/org/thresholds/")
        _shot(page, f"thresholds-{width}")
    page.get_by_label("Weak early alliance: below this share").fill("0.2")
    page.get_by_label("Not on track, at the first score after intake").fill("0.95")
    page.get_by_role("button", name="Save").click()
    t = services.thresholds_for(type(clinic.org).objects.get(pk=clinic.org.pk))
    assert (t.weak_early_percentile, t.on_track_first_percentile) == (0.2, 0.95)
    assert t.weak_early_sessions == 5  # left at the default

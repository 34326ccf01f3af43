"""The therapist writes two goals, the client rates them on a phone through their check-in link
and proposes a third, and the therapist accepts it — in Chromium, under the strict CSP."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from alliance.goals.models import Goal, GoalProposal, GoalRating
from tests.browser.test_foundation_browser import sign_in
from tests.goals.helpers import review_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_goal(page: Any, wording: str, who: str) -> None:
    form = page.locator("section.add-goal")
    form.get_by_label("Goal, in the client's own words").fill(wording)
    form.get_by_label("Proposed by").select_option(label=who)
    form.get_by_role("button", name="Add goal").click()
    page.get_by_text("Goal added.").wait_for()


def test_goals_agreed_rated_on_a_phone_and_a_proposal_accepted(
    clinic: Any, live_server: Any, page: Any, phone_page: Any
) -> None:
    session = review_session(clinic)
    errors: list[str] = []
    for p in (page, phone_page):
        p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server.url, "tess@northside.test")
    page.goto(f"{live_server.url}/episodes/{clinic.episode.pk}/plan/goals/")
    add_goal(page, "Sleep through most nights", "The client")
    add_goal(page, "Go back to the choir", "Together")
    cards = page.locator("article.goal-card")
    assert cards.count() == 2 and "Go back to the choir" in cards.nth(1).inner_text()

    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    page.get_by_role("button", name="Check-in link / QR").click()
    link = urlparse(page.locator("#checkin-link").input_value()).path

    phone = phone_page
    phone.goto(live_server.url + link)
    phone.locator("fieldset", has_text="heard, understood").get_by_label("8", exact=True).check()
    # PHQ-9 and GAD-7 are due every session by default: the client answers them all.
    for name in ("Questionnaire-9", "Disorder-7"):
        part = phone.locator("section.instrument", has_text=name)
        for question in part.locator("fieldset").all():
            question.locator("input[type=radio]").first.check()
    phone.get_by_role("button", name="Send my answers").click()
    phone.get_by_role("button", name="Send anyway").click()  # three ratings left out
    phone.get_by_role("link", name="Review my goals").click()
    sleep = phone.locator("section.instrument", has_text="Sleep through most nights")
    sleep.locator("fieldset", has_text="still the right goal").get_by_label("9", exact=True).check()
    sleep.locator("fieldset", has_text="progress").get_by_label("4", exact=True).check()
    choir = phone.locator("section.instrument", has_text="Go back to the choir")
    choir.locator("fieldset", has_text="still the right goal").get_by_label("7", exact=True).check()
    phone.get_by_label("Is there a goal you would like to add?").fill("Talk to my sister again")
    phone.get_by_role("button", name="Send my goal review").click()
    phone.get_by_text("Your goal review has been sent").wait_for()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the review must fit a phone screen without sideways scrolling"

    assert GoalRating.objects.count() == 2
    assert not Goal.objects.filter(wording="Talk to my sister again").exists()

    page.goto(f"{live_server.url}/episodes/{clinic.episode.pk}/")
    proposals = page.locator(".goal-proposals")
    assert "Talk to my sister again" in proposals.inner_text()
    proposals.get_by_role("button", name="Accept").click()
    page.get_by_text("Accepted: the plan now shows the change.").wait_for()
    table = page.locator("table.goal-table")
    assert "Talk to my sister again" in table.inner_text()
    assert "9" in table.locator("tr", has_text="Sleep through most nights").inner_text()
    assert GoalProposal.objects.get().state == "accepted"
    assert Goal.objects.get(wording="Talk to my sister again").proposed_by == "client"
    assert not [e for e in errors if "Content Security Policy" in e], errors

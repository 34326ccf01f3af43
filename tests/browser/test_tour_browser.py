"""The README's tour in Chromium, on the demo clinic, as Tess (therapist), Sam (supervisor) and
Ada (admin): every number the tour points at is checked against the stored data.

With ALLIANCE_SCREENSHOTS=<folder> the walk also saves the screenshots linked from the README
(caseload, episode page individual/couple/group, supervision) at 1366×900 and 390×844:

    ALLIANCE_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/browser/test_tour_browser.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from alliance import demo
from alliance.audit.models import AuditEvent
from alliance.care.models import CareEpisode, SessionStatus
from alliance.dates import format_day
from alliance.insights.models import ACTIVE_STATES, Alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"wide": (1366, 900), "phone": (390, 844)}


def _sign_in(page: Any, base: str, email: str) -> None:
    # The demo clinic's pages are larger than a test's; a busy machine must not fail the walk.
    page.set_default_timeout(120_000)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def _shoot(chromium: Any, base: str, email: str, path: str, name: str, tab: str = "") -> None:
    """Both screenshot sizes of one page, when screenshots were asked for."""
    folder = os.environ.get("ALLIANCE_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        context = chromium.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        _sign_in(page, base, email)
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        if tab:
            page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(600)  # the charts draw after load
        page.screenshot(path=f"{folder}/{name}-{size}.png", full_page=True)
        context.close()


def _text(locator: Any) -> str:
    return re.sub(r"\s+", " ", locator.inner_text())


def _episode_with(fmt: str, therapist: Any) -> CareEpisode:
    return (
        CareEpisode.objects.filter(participants__user=therapist, format=fmt, status="open")
        .order_by("pk")
        .first()
    )


def _check_episode_page(page: Any, episode: CareEpisode) -> None:
    """The summary's session and date, the alerts and the session table match the database."""
    rated = (
        episode.sessions.filter(checkin_responses__instrument__kind="alliance")
        .order_by("-number")
        .first()
    )
    summary = _text(page.locator("section.summary"))
    when = format_day(timezone.localdate(rated.starts_at))
    assert f"Latest rated session: session {rated.number}, {when}" in summary
    active = Alert.objects.filter(episode=episode, state__in=ACTIVE_STATES).count()
    assert page.locator("details.alert-card").count() == active
    # Every session is in the table (the earlier ones behind "earlier sessions"), in order.
    rows = page.locator("table.sessions tbody tr")
    sessions = list(episode.sessions.order_by("number"))
    assert rows.count() == len(sessions)
    last = _text(page.locator("table.sessions.recent tbody tr").last)
    when = format_day(timezone.localdate(sessions[-1].starts_at))
    assert last.startswith(f"{sessions[-1].number} {when}")


def test_the_readme_tour(chromium: Any, live_server: Any) -> None:
    people = demo.load_demo()
    tess, base = people["tess"], live_server.url
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # 1. Tess's caseload, ordered by need: a risk answer first.
    _sign_in(page, base, "tess@northside.example.org")
    rows = page.locator("table.caseload tbody tr")
    open_episodes = CareEpisode.objects.filter(participants__user=tess, status="open")
    assert rows.count() == open_episodes.count()
    top = rows.first
    href = top.locator("a").first.get_attribute("href")
    top_episode = CareEpisode.objects.get(pk=int(href.strip("/").split("/")[-1]))
    assert "Risk answer" in _text(top)
    assert top_episode.alerts.filter(kind="risk", state__in=ACTIVE_STATES).exists()
    # Next-session times come from the stored sessions, written in the clinic's style.
    next_session = (
        top_episode.sessions.filter(status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    if next_session is not None:
        assert format_day(timezone.localtime(next_session.starts_at).date()) in _text(top)
    # Some check-ins and goal reviews are due in the demo's story.
    assert page.locator("table.caseload .need.due").count() >= 2

    # 2. The top client's episode page.
    top.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    _check_episode_page(page, top_episode)
    page.locator(".vega-chart svg").first.wait_for()

    # Couples and groups: one line per person; a group as median and range.
    couple = _episode_with("couple", tess)
    page.goto(f"{base}/episodes/{couple.pk}/")
    _check_episode_page(page, couple)
    group = _episode_with("group", tess)
    page.goto(f"{base}/episodes/{group.pk}/")
    assert page.get_by_role("link", name="Median and range").get_attribute("aria-current")
    assert "Group median" in _text(page.locator("section.summary"))
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()

    # 8. Sam, Tess's supervisor: open alerts by age, as stored.
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _sign_in(page, base, "sam@northside.example.org")
    page.get_by_role("link", name="Supervision").first.click()
    section = page.locator(f"#supervisee-{tess.pk}")
    counts = [int(c) for c in section.locator("table").first.locator("tbody td").all_inner_texts()]
    stored = Alert.objects.filter(episode__participants__user=tess, state__in=ACTIVE_STATES)
    assert sum(counts) == stored.distinct().count()
    # The most urgent alerts are listed on the page; all of them, a page at a time, behind the
    # supervisee's link (the tour's supervisee has fewer than a page of them).
    page.goto(f"{base}/growth/supervision/{tess.pk}/alerts/")
    ages = [int(n) for n in re.findall(r"raised (\d+) days? ago", _text(page.locator("main")))]
    now = timezone.now()
    assert sorted(ages) == sorted(max((now - a.raised).days, 0) for a in stored.distinct())
    assert len(set(ages)) > 1, "the demo's alerts have different ages"
    context.close()

    # 9. Ada, the admin: members by name, and the audit trail recorded Tess's views.
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _sign_in(page, base, "ada@northside.example.org")
    page.get_by_role("link", name="Members").first.click()
    members = _text(page.locator("main"))
    for person in demo.PEOPLE[:-1]:  # the last is Otto, of another clinic
        assert f"{person.first_name} {person.last_name}" in members, person
    assert "Otto" not in members
    # The audit trail has Tess's views of the episodes she opened above, as stored.
    page.goto(f"{base}/audit/?actor=tess%40northside.example.org&action=view&object_type=episode")
    views = AuditEvent.objects.filter(actor=tess, action="view", object_type__icontains="episode")
    assert views.filter(object_id=str(top_episode.pk)).exists()
    assert page.locator("main table tbody tr").count() == min(views.count(), 50)
    context.close()

    _shoot(chromium, base, "tess@northside.example.org", "/", "caseload")
    _shoot(
        chromium,
        base,
        "tess@northside.example.org",
        f"/episodes/{top_episode.pk}/",
        "episode-individual",
    )
    _shoot(
        chromium,
        base,
        "tess@northside.example.org",
        f"/episodes/{couple.pk}/",
        "episode-couple",
        tab="Outcomes",
    )
    _shoot(chromium, base, "tess@northside.example.org", f"/episodes/{group.pk}/", "episode-group")
    _shoot(chromium, base, "sam@northside.example.org", "/growth/supervision/", "supervision")

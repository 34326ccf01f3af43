"""The episode page around today: the latest session in one summary, alerts one line each, one
chart area; its editing on a settings page of its own, closed to everyone who may not change it."""

from __future__ import annotations

import re

from django.urls import reverse

from alliance.insights import services
from tests.conftest import Clinic
from tests.insights.test_alerts import rate


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_summary_puts_both_views_beside_the_clients_usual_range(clinic: Clinic) -> None:
    for number, value in enumerate([9, 10, 9, 9, 7], start=1):
        rate(clinic.episode, number, value, therapist=8 if number == 5 else None)
    services.recompute_episode(clinic.episode)
    page = clinic.login("therapist").get(reverse("care:episode", args=[clinic.episode.pk]))
    summary = _text(page.content.decode().split('class="summary card"')[1].split("</section>")[0])
    assert "Latest rated session: session 5" in summary
    assert "Client 7.0 / 10 usually 9.0–10.0 -2.0 since the session before" in summary
    assert "Therapist 8.0 / 10" in summary
    assert "Check-in link / QR" in summary


def test_open_alerts_are_one_line_each_until_opened(clinic: Clinic) -> None:
    for number, value in enumerate([10] * 6 + [6], start=1):
        rate(clinic.episode, number, value, therapist=8)
    services.recompute_episode(clinic.episode)
    html = clinic.login("therapist").get(reverse("care:episode", args=[clinic.episode.pk]))
    html = html.content.decode()
    cards = re.findall(r'<details class="alert-card[^"]*" id="alert-\d+"( open)?>', html)
    assert cards and not any(cards)  # collapsed: the summary line carries the reason
    assert 'class="reason-line"' in html
    assert "Alert raised at that session:" in html  # every chart marker explained


def test_the_settings_page_holds_the_editing(clinic: Clinic) -> None:
    url = reverse("care:episode_settings", args=[clinic.episode.pk])
    page = clinic.login("therapist").get(url).content.decode()
    assert "Save details" in page and "Close episode" in page and "Add someone" in page
    episode_page = clinic.login("therapist").get(reverse("care:episode", args=[clinic.episode.pk]))
    assert "Save details" not in episode_page.content.decode()
    assert url in episode_page.content.decode()


def test_only_who_may_change_the_episode_opens_its_settings(clinic: Clinic) -> None:
    url = reverse("care:episode_settings", args=[clinic.episode.pk])
    assert clinic.login("outsider").get(url).status_code == 404
    assert clinic.login("colleague").get(url).status_code == 404
    assert clinic.login("supervisor").get(url).status_code in (403, 404)
    assert clinic.login("anonymous").get(url).status_code == 302

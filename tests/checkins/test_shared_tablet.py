"""The office tablet: one browser, one client after another. Once the next client opens their
link, nothing the previous one answered is one "back" away: not their thank-you page with their
progress, not their goal review, preferences or agenda."""

from __future__ import annotations

from django.test import Client as HttpClient

from alliance.care.models import Client
from alliance.checkins import services
from alliance.goals import services as goals
from tests.conftest import make_episode, make_session

from .helpers import form_key, good_answers, issue


def finish(http: HttpClient, token: str) -> None:
    key = form_key(http.get(f"/c/{token}/").content.decode())
    assert http.post(f"/c/{token}/", good_answers(key))["Location"] == f"/c/{token}/done/"


def next_clients_link(clinic) -> str:
    other = Client.objects.create(organization=clinic.org, code="C-0002", display_name="Bo")
    episode = make_episode(clinic.org, clinic.therapist, [other])
    session = make_session(episode)
    _request, token = services.issue_link(
        session, episode.participants.get(client=other), by=clinic.therapist
    )
    return token


def test_the_next_client_cannot_go_back_to_the_previous_ones_pages(clinic, db) -> None:
    row = services.episode_settings(clinic.episode)
    row.share_progress_with_client = True
    row.save()
    tablet = HttpClient()
    checkin, first = issue(clinic)
    finish(tablet, first)
    goals.save_preferences(checkin.participant, {"identity": "Alex's own words"})
    done = tablet.get(f"/c/{first}/done/").content.decode()
    assert "Your ratings so far" in done  # the client who just finished sees their progress
    assert "Alex&#x27;s own words" in tablet.get(f"/c/{first}/preferences/").content.decode()

    tablet.get(f"/c/{next_clients_link(clinic)}/")  # the next client starts

    for page in ("done", "preferences", "agenda"):
        response = tablet.get(f"/c/{first}/{page}/")
        assert "Your answers were received" in response.content.decode(), page
        assert "Your ratings so far" not in response.content.decode()
        assert "<form method" not in response.content.decode()
        assert "Alex" not in response.content.decode()


def test_the_thank_you_page_is_remembered_briefly_and_only_under_c(clinic, db) -> None:
    tablet = HttpClient()
    _checkin, token = issue(clinic)
    key = form_key(tablet.get(f"/c/{token}/").content.decode())
    cookie = tablet.post(f"/c/{token}/", good_answers(key)).cookies["alliance_checkin_done"]
    assert int(cookie["max-age"]) <= 10 * 60 and cookie["path"] == "/c/"
    assert cookie["httponly"]


def test_a_completed_links_goal_pages_are_closed_to_another_browser(clinic, db) -> None:
    _checkin, token = issue(clinic)
    finish(HttpClient(), token)
    page = HttpClient().get(f"/c/{token}/preferences/").content.decode()
    assert "Your answers were received" in page and "Save my preferences" not in page

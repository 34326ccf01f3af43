"""The client reviews the goals through their check-in link; nothing is applied silently."""

from __future__ import annotations

import datetime as dt

from django.test import Client as HttpClient
from django.utils import timezone

from alliance.audit.models import AuditEvent
from alliance.checkins.models import CheckinRequest
from alliance.goals import services
from alliance.goals.models import Goal, GoalProposal, GoalRating, GoalReview
from tests.checkins.helpers import form_key, good_answers, issue

from .helpers import review_session, two_goals


def _link(clinic, session=None):
    checkin, token = issue(clinic, session or review_session(clinic))
    return checkin, token


def test_thank_you_page_offers_the_goal_review_when_due(clinic):
    two_goals(clinic)
    _checkin, token = _link(clinic)
    http = HttpClient()
    html = http.get(f"/c/{token}/").content.decode()
    done = http.post(f"/c/{token}/", good_answers(form_key(html)))
    thanks = http.get(done["Location"]).content.decode()
    assert "Review my goals" in thanks and f"/c/{token}/goals/" in thanks
    assert f"/c/{token}/preferences/" in thanks


def test_not_offered_when_not_due(clinic):
    two_goals(clinic)
    _checkin, token = issue(clinic)  # session 1: not a review session
    http = HttpClient()
    html = http.get(f"/c/{token}/").content.decode()
    thanks = http.get(http.post(f"/c/{token}/", good_answers(form_key(html)))["Location"])
    assert "Review my goals" not in thanks.content.decode()
    assert http.get(f"/c/{token}/goals/").status_code == 404


def test_client_rates_goals_and_proposes_changes(clinic):
    first, second = two_goals(clinic)
    checkin, token = _link(clinic)
    http = HttpClient()
    page = http.get(f"/c/{token}/goals/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Sleep through most nights" in html and "Go back to the choir" in html
    assert "Alex" not in html and "C-0001" not in html
    response = http.post(
        f"/c/{token}/goals/",
        {
            f"right-{first.pk}": "9",
            f"progress-{first.pk}": "4",
            f"right-{second.pk}": "2",
            f"unfit-{second.pk}": "on",
            "new_goal": "  Talk to my sister again ",
        },
    )
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    review = GoalReview.objects.get()
    assert review.session.number == 4 and review.checkin == checkin
    ratings = {r.goal_id: (r.still_right, r.progress) for r in GoalRating.objects.all()}
    assert ratings == {first.pk: (9, 4), second.pk: (2, None)}
    proposals = {p.kind: p for p in GoalProposal.objects.all()}
    assert proposals["new"].wording == "Talk to my sister again"
    assert proposals["no_longer_fits"].goal == second
    # Nothing applied silently.
    assert Goal.objects.count() == 2 and second.__class__.objects.get(pk=second.pk).is_active
    event = AuditEvent.objects.filter(object_type="goals.GoalReview").get()
    assert event.source == "link" and event.actor is None
    # A second submit stores nothing more.
    again = http.post(f"/c/{token}/goals/", {f"right-{first.pk}": "1"})
    assert again.status_code == 200 and GoalRating.objects.count() == 2
    assert "Thank you" in http.get(f"/c/{token}/goals/").content.decode()


def test_bad_review_input_is_marked_and_kept(clinic):
    first, second = two_goals(clinic)
    _checkin, token = _link(clinic)
    http = HttpClient()
    response = http.post(
        f"/c/{token}/goals/",
        {f"right-{first.pk}": "11", f"progress-{first.pk}": "6", "new_goal": "Bad\x00 words"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please choose a number from 0 to 10." in html
    assert "Null characters are not allowed." in html
    assert f'name="progress-{first.pk}" value="6" checked' in html
    assert not GoalReview.objects.exists()


def test_unusable_links_get_the_same_page(clinic):
    two_goals(clinic)
    checkin, token = _link(clinic)
    http = HttpClient()
    assert http.get("/c/not-a-token/goals/").status_code == 404
    assert http.get(f"/c/{token[:-2]}xx/goals/").status_code == 404
    CheckinRequest.objects.filter(pk=checkin.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert http.get(f"/c/{token}/goals/").status_code == 404
    assert http.get(f"/c/{token}/preferences/").status_code == 404


def test_therapist_accepts_and_declines_proposals(clinic):
    first, second = two_goals(clinic)
    session = review_session(clinic)
    participant = clinic.episode.participants.get(client=clinic.client)
    services.save_review(
        session=session,
        participant=participant,
        checkin=None,
        ratings={},
        no_longer_fits=[second.pk],
        new_goals=["Talk to my sister again", "Run a 5k"],
    )
    new, run = GoalProposal.objects.filter(kind="new").order_by("pk")
    unfit = GoalProposal.objects.get(kind="no_longer_fits")
    episode_page = clinic.login("therapist").get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert "Talk to my sister again" in episode_page and "No longer fits" in episode_page

    base = f"/episodes/{clinic.episode.pk}/plan/goals/proposals"
    supervisor = clinic.login("supervisor")
    assert supervisor.post(f"{base}/{new.pk}/accept/").status_code == 403
    assert clinic.login("outsider").post(f"{base}/{new.pk}/accept/").status_code == 404
    http = clinic.login("therapist")
    assert http.post(f"{base}/{new.pk}/accept/", {"back": "episode"}).status_code == 302
    assert http.post(f"{base}/{run.pk}/decline/").status_code == 302
    assert http.post(f"{base}/{unfit.pk}/accept/").status_code == 302
    assert http.post(f"{base}/{unfit.pk}/nonsense/").status_code == 404

    added = Goal.objects.get(wording="Talk to my sister again")
    assert added.proposed_by == "client" and added.is_active
    assert not Goal.objects.filter(wording="Run a 5k").exists()
    second.refresh_from_db()
    assert second.status == "set_aside"
    assert second.changes.filter(field="status", note="client: no longer fits").exists()
    new.refresh_from_db()
    assert new.state == "accepted" and new.decided_by == clinic.therapist
    assert new.resulting_goal == added
    # Deciding twice changes nothing.
    http.post(f"{base}/{new.pk}/accept/")
    assert Goal.objects.filter(wording="Talk to my sister again").count() == 1


def test_client_shares_preferences_and_therapist_sees_them_with_prompts(clinic):
    _checkin, token = issue(clinic)
    http = HttpClient()
    page = http.get(f"/c/{token}/preferences/")
    assert page.status_code == 200 and "How you would like us to work" in page.content.decode()
    bad = http.post(f"/c/{token}/preferences/", {"pace": "warp", "when_off": "Say\x00 so"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Select a valid choice." in html and "Null characters are not allowed." in html
    ok = http.post(
        f"/c/{token}/preferences/",
        {"pace": "slower", "homework": "none", "when_off": "Name it gently", "identity": ""},
    )
    assert ok.status_code == 200 and "Saved." in ok.content.decode()
    episode = clinic.login("therapist").get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert "Slower, with time to think" in episode and "Name it gently" in episode
    assert "Questions for exploring differences" in episode
    # An update is audited with what it was before.
    http.post(f"/c/{token}/preferences/", {"pace": "steady"})
    event = AuditEvent.objects.filter(object_type="goals.ClientPreferences", action="update").get()
    assert event.before["pace"] == "slower" and event.after["pace"] == "steady"


def test_client_agenda_is_shown_to_the_therapist_on_the_session_page(clinic):
    _checkin, token = issue(clinic)
    http = HttpClient()
    assert http.get(f"/c/{token}/agenda/").status_code == 200
    bad = http.post(f"/c/{token}/agenda/", {"focus": "My\x00 sister", "worked_on": "12"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Null characters are not allowed." in html
    assert "Please choose a number from 0 to 10." in html and "My" in html
    ok = http.post(f"/c/{token}/agenda/", {"focus": "Talking to my sister"})
    assert ok.status_code == 200 and "Saved." in ok.content.decode()
    session_page = clinic.login("therapist").get(f"/sessions/{clinic.session.pk}/").content.decode()
    assert "Talking to my sister" in session_page
    http.post(f"/c/{token}/agenda/", {"focus": "Talking to my sister", "worked_on": "8"})
    session_page = (
        clinic.login("supervisor").get(f"/sessions/{clinic.session.pk}/").content.decode()
    )
    assert "8/10" in session_page
    assert clinic.login("outsider").get(f"/sessions/{clinic.session.pk}/").status_code == 404
    events = AuditEvent.objects.filter(object_type="goals.SessionAgenda")
    assert {e.action for e in events} == {"create", "update"}

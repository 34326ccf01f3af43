"""Goal ratings feed the alerts, the caseload and the charts."""

from __future__ import annotations

import datetime as dt

from django.db import OperationalError
from django.utils import timezone

from alliance.goals import alerts, services
from alliance.insights import pending
from alliance.insights import services as insight_services
from alliance.insights.models import Alert, PendingRecompute
from tests.conftest import make_session

from .helpers import two_goals


def _review(clinic, session, ratings):
    participant = clinic.episode.participants.get(client=clinic.client)
    return services.save_review(
        session=session,
        participant=participant,
        checkin=None,
        ratings=ratings,
        no_longer_fits=[],
        new_goals=[],
    )


def test_the_rule_is_relative_to_the_clients_previous_rating():
    rated = [
        alerts.Rated(1, "Sleep", 7, 4, 9, 5),
        alerts.Rated(1, "Sleep", 7, 8, 8, 2),  # agreement -1 (no alert), progress -3 (alert)
        alerts.Rated(1, "Sleep", 7, 12, 5, None),  # agreement -3 (alert)
    ]
    found = alerts.findings(rated)
    assert [(f.scale, f.session, f.before, f.now) for f in found] == [
        ("progress", 8, 5, 2),
        ("still_right", 12, 8, 5),
    ]


def test_falling_agreement_raises_an_alert_with_prompts(clinic, django_capture_on_commit_callbacks):
    first, _second = two_goals(clinic)
    s4 = make_session(clinic.episode, 4)
    s8 = make_session(clinic.episode, 8)
    with django_capture_on_commit_callbacks(execute=True):
        _review(clinic, s4, {first.pk: (9, 6)})
    assert not Alert.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _review(clinic, s8, {first.pk: (5, 6)})
    alert = Alert.objects.get()
    assert alert.kind == "goal_agreement" and alert.session_number == 8
    assert "still the right goal 5 at session 8; 9 at the previous review" in alert.reason
    insight_services.recompute_episode(clinic.episode)  # re-running never doubles an alert
    insight_services.recompute_organization(clinic.episode.organization)
    assert Alert.objects.count() == 1
    html = clinic.login("therapist").get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert "Goal agreement falling" in html
    assert "You rated this goal as less right for you than before" in html
    home = clinic.login("therapist").get("/").content.decode()
    assert "Goal agreement falling" in home  # one name for the kind on every page


def test_a_failed_goal_alert_recompute_is_retried_until_the_alert_exists(
    clinic, monkeypatch, django_capture_on_commit_callbacks
):
    """The goal review is kept, the failure leaves the recompute-pending marker, and the retry
    (the worker, the next request or `alliance insights recompute --pending`) raises the alert."""
    first, _second = two_goals(clinic)
    with django_capture_on_commit_callbacks(execute=True):
        _review(clinic, make_session(clinic.episode, 4), {first.pk: (9, 6)})
    real, calls = insight_services.recompute_episode, [0]

    def locked_twice(episode):
        calls[0] += 1
        if calls[0] <= 2:
            raise OperationalError("database is locked")
        return real(episode)

    monkeypatch.setattr(insight_services, "recompute_episode", locked_twice)
    with django_capture_on_commit_callbacks(execute=True):
        review = _review(clinic, make_session(clinic.episode, 8), {first.pk: (5, 6)})
    assert review is not None and review.ratings.count() == 1  # the client's ratings are kept
    assert not Alert.objects.filter(kind="goal_agreement").exists()
    marker = PendingRecompute.objects.get(episode=clinic.episode)
    assert "database is locked" in marker.last_error
    assert pending.process(due_only=False) == {"done": 0, "failed": 1}
    assert pending.process(due_only=False) == {"done": 1, "failed": 0}
    alert = Alert.objects.get(kind="goal_agreement")
    assert alert.session_number == 8 and "still the right goal 5 at session 8" in alert.reason
    assert not PendingRecompute.objects.exists()


def test_overdue_review_shows_as_due_on_the_caseload(clinic):
    goal = services.add_goal(
        clinic.episode,
        by=clinic.therapist,
        wording="Sleep through most nights",
        review_on=timezone.localdate() - dt.timedelta(days=1),
    )
    home = clinic.login("therapist").get("/").content.decode()
    assert '<span class="need goal_review">Goal review due</span>' in home
    services.change_goal(
        goal, by=clinic.therapist, review_on=timezone.localdate() + dt.timedelta(days=30)
    )
    home = clinic.login("therapist").get("/").content.decode()
    assert '<span class="need goal_review">' not in home


def test_goal_progress_is_charted_on_the_episode_page(clinic):
    first, second = two_goals(clinic)
    _review(clinic, make_session(clinic.episode, 4), {first.pk: (9, 3), second.pk: (8, 5)})
    _review(clinic, make_session(clinic.episode, 8), {first.pk: (9, 6)})
    html = clinic.login("therapist").get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert 'alt="Progress you feel: client ratings per goal' in html
    assert "data:image/svg+xml;base64," in html
    assert "(was 3)" in html

"""Session numbers follow the session dates; a future session waits for its day."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from alliance.checkins.models import Response
from alliance.dates import format_day
from alliance.insights import services
from alliance.insights.models import Alert
from tests.checkins.helpers import client_participant
from tests.conftest import Clinic, make_session
from tests.insights.test_alerts import rate


def _at(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_session_added_for_today_comes_before_one_scheduled_next_week(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    url = reverse("care:session_create", args=[clinic.episode.pk])
    now = timezone.now()
    next_week = {"starts_at": _at(now + dt.timedelta(days=7)), "duration_minutes": "50"}
    http.post(url, {**next_week, "status": "scheduled"})
    http.post(url, {"starts_at": _at(now), "duration_minutes": "50", "status": "attended"})
    numbered = list(clinic.episode.sessions.order_by("number").values_list("number", "starts_at"))
    assert [n for n, _ in numbered] == [1, 2, 3]
    assert [at for _, at in numbered] == sorted(at for _, at in numbered)
    assert numbered[2][0] == 3 and numbered[2][1] > now  # next week's is now session 3


def test_moving_a_session_renumbers_and_alerts_follow(clinic: Clinic) -> None:
    base = timezone.now() - dt.timedelta(days=60)
    clinic.episode.sessions.filter(pk=clinic.session.pk).update(starts_at=base)
    for number in range(2, 8):
        make_session(clinic.episode, number, starts_at=base + dt.timedelta(days=7 * number))
    for number, value in enumerate([10] * 6 + [5], start=1):
        rate(clinic.episode, number, value)
    services.recompute_episode(clinic.episode)
    assert Alert.objects.get(kind="drop").session_number == 7
    # an earlier session, recorded late, goes in before the others
    http = clinic.login("therapist")
    earlier = {"starts_at": _at(base - dt.timedelta(days=7)), "duration_minutes": "50"}
    http.post(
        reverse("care:session_create", args=[clinic.episode.pk]), {**earlier, "status": "attended"}
    )
    alert = Alert.objects.get(kind="drop")
    assert alert.session_number == 8 and "session 8" in alert.reason_today


def test_a_future_session_cannot_be_rated_or_entered_on_paper_before_its_day(clinic) -> None:
    future = make_session(
        clinic.episode, 2, starts_at=timezone.now() + dt.timedelta(days=3), status="scheduled"
    )
    http = clinic.login("therapist")
    rate_url = reverse("checkins:rate", args=[future.pk])
    paper_url = reverse("checkins:paper", args=[future.pk, client_participant(clinic).pk])
    day = format_day(timezone.localdate(future.starts_at))
    for url in (rate_url, paper_url):
        refused = http.get(url, follow=True)
        assert f"Session 2 is on {day}: it can be rated from that day." in refused.content.decode()
        assert http.post(url, {"q1-bond": "8"}).status_code == 302
    assert not Response.objects.exists()
    assert http.get(reverse("checkins:rate", args=[clinic.session.pk])).status_code == 200
    # The session page offers neither before the day, and says from when.
    page = http.get(reverse("care:session", args=[future.pk])).content.decode()
    assert f"You can rate this session from its day, {day}." in page
    assert "Save my rating" not in page and "Enter paper form" not in page
    today = http.get(reverse("care:session", args=[clinic.session.pk])).content.decode()
    assert "Save my rating" in today and "Enter paper form" in today

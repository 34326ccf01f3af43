"""Deliberate practice: a skill and a period, compared with the period of equal length before."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from alliance.audit.models import AuditEvent
from alliance.growth.models import PracticePeriod

from .helpers import client_with_ratings


def period(clinic, days_back=10, length=10, skill="Reflect back before advising"):
    today = timezone.localdate()
    return PracticePeriod.objects.create(
        organization=clinic.org,
        therapist=clinic.therapist,
        skill=skill,
        starts_on=today - dt.timedelta(days=days_back - 1),
        ends_on=today - dt.timedelta(days=days_back - length),
    )


def test_therapist_starts_a_practice_period_with_a_seeded_skill(clinic):
    http = clinic.login("therapist")
    response = http.post(
        "/growth/practice/",
        {"skill_choice": "0", "starts_on": "2026-03-01", "ends_on": "2026-03-28"},
    )
    assert response.status_code == 302
    saved = PracticePeriod.objects.get()
    assert saved.skill == "Ask for feedback at the end of each session"
    assert saved.therapist == clinic.therapist and saved.days == 28
    assert AuditEvent.objects.filter(action="create", object_type="growth.PracticePeriod").exists()
    page = http.get("/growth/practice/").content.decode()
    assert "Ask for feedback at the end of each session" in page


def test_own_wording(clinic):
    http = clinic.login("therapist")
    http.post(
        "/growth/practice/",
        {
            "skill_choice": "own",
            "own_skill": "  Slow down when the client goes quiet ",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-01",
        },
    )
    assert PracticePeriod.objects.get().skill == "Slow down when the client goes quiet"


def test_bad_practice_input_gets_messages(clinic):
    http = clinic.login("therapist")
    response = http.post(
        "/growth/practice/",
        {
            "skill_choice": "own",
            "own_skill": "",
            "starts_on": "2026-03-10",
            "ends_on": "2026-03-01",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write the skill you want to practise." in page
    assert "The end comes before the start." in page
    response = http.post(
        "/growth/practice/", {"skill_choice": "99", "starts_on": "soon", "ends_on": ""}
    )
    page = response.content.decode()
    assert "Choose a skill from the list, or write your own." in page
    assert "Enter it as day/month/year, e.g. 22/10/2026 or 22 Oct 2026." in page
    response = http.post(
        "/growth/practice/",
        {"skill_choice": "1", "starts_on": "2026-01-01", "ends_on": "2027-06-01"},
    )
    assert "Keep a practice period to a year at most." in response.content.decode()
    assert not PracticePeriod.objects.exists()


def test_practice_compares_with_the_period_before(clinic):
    practice = period(clinic, days_back=10, length=10)  # the last 10 days
    # Five clients: before (15 days ago) 5, 6, 7, 8, 9; during (5 days ago) 6, 8, 8, 8, 10.
    for i, (before, during) in enumerate(zip([5, 6, 7, 8, 9], [6, 8, 8, 8, 10], strict=True)):
        client_with_ratings(
            clinic,
            f"R-{i}",
            [before, during],
            days_ago=[15, 5],
            comments=["", "Felt listened to." if i == 0 else ""],
        )
    # One rating outside both windows (40 days ago) that must not count.
    client_with_ratings(clinic, "R-old", [0], days_ago=[40])
    page = clinic.login("therapist").get(f"/growth/practice/{practice.pk}/").content.decode()
    # Welch (tests/growth/test_statistics): difference +1.00, −1.19 to +3.19.
    assert "+1.00" in page and "−1.19 to +3.19" in page
    assert "7.0" in page and "8.0" in page
    assert "Felt listened to." in page
    assert "The interval includes zero" in page
    assert AuditEvent.objects.filter(object_type="growth.practice", action="view").count() == 1


def test_small_practice_periods_show_no_numbers_but_the_comments(clinic):
    practice = period(clinic)
    client_with_ratings(clinic, "S-1", [9], days_ago=[3], comments=["More homework please."])
    page = clinic.login("therapist").get(f"/growth/practice/{practice.pk}/").content.decode()
    assert "Not shown: fewer than 5 clients" in page
    assert "More homework please." in page
    assert "9.0" not in page


def test_someone_elses_practice_period_is_404(clinic):
    practice = period(clinic, skill="Sit with silence a little longer")
    url = f"/growth/practice/{practice.pk}/"
    assert clinic.login("therapist").get(url).status_code == 200
    assert clinic.login("colleague").get(url).status_code == 404
    assert clinic.login("outsider").get(url).status_code == 404
    assert clinic.login("supervisor").get(url).status_code == 403  # no therapist role
    assert clinic.login("outsider").get("/growth/practice/").status_code == 200  # their own list
    assert (
        "Sit with silence" not in clinic.login("outsider").get("/growth/practice/").content.decode()
    )


def test_a_practice_period_at_the_start_of_the_calendar_is_refused_not_a_500(clinic):
    # The comparison period ends the day before the start: from 0001-01-01 there is none.
    http = clinic.login("therapist")
    response = http.post(
        "/growth/practice/",
        {"skill_choice": "1", "starts_on": "0001-01-01", "ends_on": "0001-01-10"},
    )
    assert response.status_code == 400
    assert not PracticePeriod.objects.exists()

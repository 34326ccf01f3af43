"""The caseload names each alert kind as every other page does, agrees with the episode page on
where a rupture's repair stands, and orders clients by need: severity and recency together."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from alliance.care.models import Client
from alliance.insights import services
from alliance.insights.models import Alert
from tests.conftest import Clinic, make_episode
from tests.insights.test_alert_model import days_ago, phq
from tests.insights.test_alerts import rate


def _history(clinic: Clinic, values: list[int], episode=None, **kw) -> None:
    episode = episode or clinic.episode
    for number, value in enumerate(values, start=1):
        rate(episode, number, value, **kw)
    services.recompute_episode(episode)


def test_a_low_alliance_alert_is_never_called_an_alliance_drop(clinic: Clinic) -> None:
    _history(clinic, [5, 5, 5, 5])
    assert list(Alert.objects.values_list("kind", flat=True)) == ["low_alliance"]
    rows = clinic.login("therapist").get("/").content.decode().split("<tbody>")[1]
    assert "Low alliance" in rows and "Alliance drop" not in rows
    only = clinic.login("therapist").get("/?need=low_alliance").content.decode()
    assert "Alex" in only
    assert "Alex" not in clinic.login("therapist").get("/?need=drop").content.decode()


def test_a_discussed_rupture_waits_for_the_next_rating_on_both_pages(clinic: Clinic) -> None:
    _history(clinic, [10, 10, 10, 10, 10, 10, 5])
    http = clinic.login("therapist")
    assert "not yet back to the usual level" in http.get("/").content.decode()
    assert "Alex" in http.get("/?need=unrepaired").content.decode()
    alert = Alert.objects.get(kind="drop")
    http.post(
        reverse("insights:alert_action", args=[alert.pk]),
        {"to_state": "discussed", "what_was_said": "I asked what felt different."},
    )
    home = http.get("/").content.decode()
    assert "discussed, waiting for the next rating" in home
    assert "Rupture not yet repaired" not in home.split("<tbody>")[1]
    assert "Alex" not in http.get("/?need=unrepaired").content.decode()
    episode = http.get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert "discussed, waiting for the next rating" in episode
    # the discussion was a week ago; a new rating still low means not repaired yet
    Alert.objects.filter(pk=alert.pk).update(discussed_at=timezone.now() - dt.timedelta(days=7))
    rate(clinic.episode, 8, 5)
    services.recompute_episode(clinic.episode)
    assert "Alex" in http.get("/?need=unrepaired").content.decode()
    assert (
        "not yet back to the usual level"
        in http.get(f"/episodes/{clinic.episode.pk}/").content.decode()
    )


def _second_client(clinic: Clinic, name: str):
    client = Client.objects.create(
        organization=clinic.org, code=f"C-{name}", display_name=name, created_by=clinic.therapist
    )
    return make_episode(clinic.org, clinic.therapist, [client])


def test_a_fresh_very_low_rating_outranks_an_old_moderate_outcome_change(clinic: Clinic) -> None:
    for number in range(1, 7):  # Alex: PHQ-9 16 never improves, sessions 5-6 weeks ago
        phq(clinic, number, 2, **days_ago(80 - number))
    services.recompute_episode(clinic.episode)
    assert Alert.objects.get(episode=clinic.episode).severity == "medium"
    fresh = _second_client(clinic, "Blake")
    _history(clinic, [9, 9, 9, 3], episode=fresh, therapist=9)
    rows = clinic.login("therapist").get("/").content.decode().split("<tbody>")[1]
    assert rows.index("Blake") < rows.index("Alex")


def test_a_new_risk_answer_comes_before_an_old_one(clinic: Clinic) -> None:
    phq(clinic, 1, 1, item9=1, **days_ago(20))
    Alert.objects.all().delete()
    services.recompute_episode(clinic.episode)
    Alert.objects.filter(kind="risk").update(
        raised_at=timezone.now() - dt.timedelta(days=20),
        numbers_at=timezone.now() - dt.timedelta(days=20),
    )
    newer = _second_client(clinic, "Blake")
    rate(newer, 1, 9, phq9_item9=1)
    services.recompute_episode(newer)
    page = clinic.login("therapist").get("/").content.decode()
    rows = page.split("<tbody>")[1]
    assert rows.index("Blake") < rows.index("Alex")
    episode_page = clinic.login("therapist").get(f"/episodes/{newer.pk}/").content.decode()
    assert "Risk answer" in episode_page

"""The episode page's queries do not grow with its alerts: each alert's conversation prompts are
read together, in one query, not one per alert."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.insights.models import Alert, Prompt
from tests.conftest import Clinic


def _alert(clinic: Clinic, kind: str, n: int) -> None:
    Alert.objects.create(
        organization=clinic.org,
        episode=clinic.episode,
        kind=kind,
        severity="medium",
        reason=f"{kind} reason {n}",
        fingerprint=f"{kind}:{n}",
        session_number=1,
    )


def _episode_page(clinic: Clinic, http) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        page = http.get(reverse("care:episode", args=[clinic.episode.pk]))
    assert page.status_code == 200
    return len(captured.captured_queries), page.content.decode()


def test_episode_page_queries_do_not_grow_with_its_alerts(clinic: Clinic) -> None:
    Prompt.objects.create(organization=clinic.org, kind="drop", text="Our own drop wording.")
    http = clinic.login("therapist")
    _alert(clinic, "drop", 1)
    _episode_page(clinic, http)  # first view: anything remembered once is remembered now
    one, page = _episode_page(clinic, http)
    assert "Our own drop wording." in page
    for n, kind in enumerate(["low_alliance", "not_on_track", "overestimation", "drop"], start=2):
        _alert(clinic, kind, n)
    five, page = _episode_page(clinic, http)
    assert five == one
    # Each alert still shows its own prompts: the organization's where it has some, else seeds.
    assert page.count("Our own drop wording.") == 2

"""Opening a page never writes the measurement plan: an episode without rows of its own shows
its clinic's plan, and gets its own copy only when someone changes it."""

from __future__ import annotations

import pytest

from alliance.checkins.models import ClinicPlanEntry, EpisodeCheckinSettings, EpisodePlanEntry
from tests.conftest import Clinic

pytestmark = pytest.mark.django_db


def without_rows(clinic: Clinic) -> None:
    """As for an episode made in bulk (no signal) or one whose plan was emptied by hand."""
    EpisodePlanEntry.objects.filter(episode=clinic.episode).delete()
    EpisodeCheckinSettings.objects.filter(episode=clinic.episode).delete()


@pytest.mark.parametrize("who", ["supervisor", "therapist"])
def test_reading_the_session_and_plan_pages_writes_no_plan(clinic: Clinic, who: str) -> None:
    without_rows(clinic)
    http = clinic.login(who)
    session_page = http.get(f"/sessions/{clinic.session.pk}/")
    plan_page = http.get(f"/episodes/{clinic.episode.pk}/plan/")
    assert session_page.status_code == plan_page.status_code == 200
    # The clinic's plan is what applies: the alliance check-in is due for the client.
    assert "Session Alliance Check-in (client)" in plan_page.content.decode()
    assert "Alex" in session_page.content.decode()
    assert not EpisodePlanEntry.objects.filter(episode=clinic.episode).exists()
    assert not EpisodeCheckinSettings.objects.filter(episode=clinic.episode).exists()


def test_reading_the_clinic_plan_page_writes_nothing(clinic: Clinic) -> None:
    ClinicPlanEntry.objects.filter(organization=clinic.org).delete()
    page = clinic.login("admin").get("/org/checkin-plan/")
    assert page.status_code == 200 and "phq-9" in page.content.decode()
    assert not ClinicPlanEntry.objects.filter(organization=clinic.org).exists()


def test_removing_an_entry_shown_before_the_copy_makes_the_copy_without_it(clinic: Clinic) -> None:
    without_rows(clinic)
    http = clinic.login("therapist")
    page = http.get(f"/episodes/{clinic.episode.pk}/plan/").content.decode()
    assert 'value="gad-7:client"' in page
    response = http.post(
        f"/episodes/{clinic.episode.pk}/plan/", {"action": "remove", "entry": "gad-7:client"}
    )
    assert response.status_code == 302
    keys = set(
        EpisodePlanEntry.objects.filter(episode=clinic.episode).values_list(
            "instrument_key", flat=True
        )
    )
    assert "gad-7" not in keys and {"phq-9", "alliance-checkin-client"} <= keys


def test_a_supervisor_still_cannot_change_the_plan(clinic: Clinic) -> None:
    without_rows(clinic)
    response = clinic.login("supervisor").post(
        f"/episodes/{clinic.episode.pk}/plan/", {"action": "remove", "entry": "gad-7:client"}
    )
    assert response.status_code == 403
    assert not EpisodePlanEntry.objects.filter(episode=clinic.episode).exists()

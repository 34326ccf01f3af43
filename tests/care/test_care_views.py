"""A therapist's day: clients, episodes, sessions, with errors kept beside the field."""

from __future__ import annotations

from django.urls import reverse

from alliance.audit.models import AuditEvent
from alliance.care.models import CareEpisode, Client, Participant
from tests.conftest import Clinic


def test_create_client_then_see_it(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    response = http.post(
        reverse("care:client_create"),
        {"code": "C-0002", "display_name": "Bo", "email": "", "phone": ""},
    )
    client = Client.objects.get(code="C-0002")
    assert response.status_code == 302 and response["Location"] == f"/clients/{client.pk}/"
    assert client.organization == clinic.org and client.created_by == clinic.therapist
    assert AuditEvent.objects.filter(
        action="create", object_type="care.Client", object_id=str(client.pk), client_code="C-0002"
    ).exists()


def test_duplicate_code_is_refused_beside_the_field_and_input_kept(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    response = http.post(
        reverse("care:client_create"),
        {"code": "c-0001", "display_name": "Typed name", "email": "bad"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "already has this code" in page
    assert "Enter a valid email address" in page
    assert 'value="Typed name"' in page
    assert Client.objects.count() == 2


def test_a_comma_in_a_client_code_is_refused(clinic: Clinic) -> None:
    """The audit trail lists a shared episode's clients as comma-separated codes."""
    response = clinic.login("therapist").post(
        reverse("care:client_create"), {"code": "C-1,C-2", "display_name": "Bo"}
    )
    assert response.status_code == 200
    assert "cannot contain a comma" in response.content.decode()
    assert not Client.objects.filter(display_name="Bo").exists()


def test_same_code_is_fine_in_another_organization(clinic: Clinic) -> None:
    http = clinic.login("outsider")
    http.post(reverse("care:client_create"), {"code": "C-0001", "display_name": "Other"})
    assert Client.objects.filter(code="C-0001").count() == 2


def test_edit_client_records_before_and_after(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    http.post(
        reverse("care:client_edit", args=[clinic.client.pk]),
        {"code": "C-0001", "display_name": "Alexandra", "email": "a@example.org"},
    )
    clinic.client.refresh_from_db()
    assert clinic.client.display_name == "Alexandra"
    event = AuditEvent.objects.get(action="update", object_type="care.Client")
    assert event.before["display_name"] == "Alex" and event.after["display_name"] == "Alexandra"
    assert event.actor == clinic.therapist and event.request_id and event.ip == "127.0.0.1"


def test_viewing_a_client_is_audited(clinic: Clinic) -> None:
    clinic.login("therapist").get(reverse("care:client", args=[clinic.client.pk]))
    event = AuditEvent.objects.get(action="view", object_type="care.Client")
    assert event.client_code == "C-0001" and event.actor == clinic.therapist


def test_open_couple_episode_with_co_therapist_and_interpreter(clinic: Clinic) -> None:
    partner = Client.objects.create(
        organization=clinic.org, code="C-0002", display_name="Bo", created_by=clinic.therapist
    )
    http = clinic.login("therapist")
    response = http.post(
        reverse("care:episode_create"),
        {
            "format": "couple",
            "title": "",
            "started_on": "2026-10-01",
            "clients": [clinic.client.pk, partner.pk],
            "co_therapists": [clinic.colleague.pk],
            "interpreters": [clinic.admin.pk],
        },
    )
    episode = CareEpisode.objects.exclude(
        pk__in=[clinic.episode.pk, clinic.outsider_episode.pk]
    ).get()
    assert response.status_code == 302
    roles = sorted(Participant.objects.filter(episode=episode).values_list("role", flat=True))
    assert roles == ["co_therapist", "interpreter", "partner", "partner", "therapist"]
    # The colleague now takes part, so they see it; the interpreter takes part but cannot edit.
    assert clinic.login("colleague").get(f"/episodes/{episode.pk}/").status_code == 200


def test_couple_needs_two_clients(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    response = http.post(
        reverse("care:episode_create"),
        {
            "format": "couple",
            "started_on": "2026-10-01",
            "clients": [clinic.client.pk],
        },
    )
    assert response.status_code == 200
    assert "Couple therapy takes exactly 2 client(s)." in response.content.decode()


def test_cannot_open_episode_with_someone_elses_client(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    response = http.post(
        reverse("care:episode_create"),
        {
            "format": "individual",
            "started_on": "2026-10-01",
            "clients": [clinic.outsider_client.pk],
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_sessions_are_numbered_and_validated(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    url = reverse("care:session_create", args=[clinic.episode.pk])
    bad = http.post(url, {"starts_at": "not a date", "duration_minutes": "2", "status": "x"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "This is not a date we can read" in page and "between 5 and 600" in page
    http.post(
        url, {"starts_at": "2026-11-01T10:00", "duration_minutes": "50", "status": "scheduled"}
    )
    assert list(clinic.episode.sessions.values_list("number", flat=True)) == [1, 2]


def test_close_and_reopen_keeps_history(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    http.post(
        reverse("care:episode_status", args=[clinic.episode.pk, "closed"]),
        {"reason": "planned ending"},
    )
    clinic.episode.refresh_from_db()
    assert clinic.episode.status == "closed" and clinic.episode.closed_on
    http.post(reverse("care:episode_status", args=[clinic.episode.pk, "open"]), {})
    clinic.episode.refresh_from_db()
    assert clinic.episode.status == "open" and clinic.episode.closed_on is None
    log = list(clinic.episode.status_log.values_list("status", flat=True))
    assert log == ["open", "closed", "open"]
    # The history lives on the episode's settings page, with the forms that change it.
    page = http.get(reverse("care:episode_settings", args=[clinic.episode.pk])).content.decode()
    assert "planned ending" in page
    assert clinic.episode.sessions.count() == 1


def test_unknown_status_is_refused(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    response = http.post(reverse("care:episode_status", args=[clinic.episode.pk, "deleted"]))
    assert response.status_code == 400
    clinic.episode.refresh_from_db()
    assert clinic.episode.status == "open"


def test_caseload_lists_open_episodes_of_the_therapist(clinic: Clinic) -> None:
    page = clinic.login("therapist").get("/").content.decode()
    assert "My caseload" in page and "Alex" in page
    assert "Alex" not in clinic.login("colleague").get("/").content.decode()
    supervisor_page = clinic.login("supervisor").get("/").content.decode()
    assert "therapists I supervise" in supervisor_page and "Alex" in supervisor_page


def test_mark_participant_as_left_keeps_the_row(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    participant = Participant.objects.get(episode=clinic.episode, client=clinic.client)
    http.post(reverse("care:participant_leave", args=[clinic.episode.pk, participant.pk]))
    participant.refresh_from_db()
    assert participant.left_on is not None

"""Who sees what: every staff page of clinical data, for every named person."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import Clinic


def read_urls(c: Clinic) -> list[str]:
    return [
        reverse("care:client", args=[c.client.pk]),
        reverse("care:episode", args=[c.episode.pk]),
        reverse("care:session", args=[c.session.pk]),
    ]


def write_posts(c: Clinic) -> list[tuple[str, dict[str, str]]]:
    return [
        (reverse("care:client_edit", args=[c.client.pk]), {"code": "C-9", "display_name": "Z"}),
        (
            reverse("care:episode_edit", args=[c.episode.pk]),
            {"title": "x", "started_on": "2026-01-01"},
        ),
        (reverse("care:episode_status", args=[c.episode.pk, "closed"]), {}),
        (
            reverse("care:session_create", args=[c.episode.pk]),
            {"starts_at": "2026-11-01T10:00", "duration_minutes": "50", "status": "scheduled"},
        ),
        (
            reverse("care:session", args=[c.session.pk]),
            {"starts_at": "2026-11-01T10:00", "duration_minutes": "50", "status": "attended"},
        ),
        (reverse("care:participant_add_client", args=[c.episode.pk]), {"client": "1"}),
        (
            reverse("care:participant_add_staff", args=[c.episode.pk]),
            {"user": str(c.colleague.pk), "role": "co_therapist"},
        ),
    ]


def test_therapist_reads_own_client_episode_and_session(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    for url in read_urls(clinic):
        response = http.get(url)
        assert response.status_code == 200, url
    assert "Alex" in http.get(read_urls(clinic)[0]).content.decode()


@pytest.mark.parametrize("who", ["outsider", "colleague", "researcher", "admin"])
def test_people_outside_the_episode_get_404_on_every_read(clinic: Clinic, who: str) -> None:
    http = clinic.login(who)
    for url in read_urls(clinic):
        assert http.get(url).status_code == 404, (who, url)


@pytest.mark.parametrize("who", ["outsider", "colleague", "researcher", "admin"])
def test_people_outside_the_episode_get_404_on_every_write(clinic: Clinic, who: str) -> None:
    http = clinic.login(who)
    for url, data in write_posts(clinic):
        assert http.post(url, data).status_code == 404, (who, url)
    clinic.client.refresh_from_db()
    assert clinic.client.code == "C-0001"


def test_supervisor_reads_supervisees_episode(clinic: Clinic) -> None:
    http = clinic.login("supervisor")
    for url in read_urls(clinic):
        response = http.get(url)
        assert response.status_code == 200, url
    page = http.get(reverse("care:episode", args=[clinic.episode.pk])).content.decode()
    assert "Read-only" in page
    assert "Add session" not in page


def test_supervisor_cannot_write(clinic: Clinic) -> None:
    http = clinic.login("supervisor")
    for url, data in write_posts(clinic):
        assert http.post(url, data).status_code == 403, url
    assert clinic.episode.sessions.count() == 1


def test_supervisor_without_link_sees_nothing(clinic: Clinic) -> None:
    clinic.supervisor.supervisees_links.all().delete()
    http = clinic.login("supervisor")
    for url in read_urls(clinic):
        assert http.get(url).status_code == 404


def test_admin_reads_clinical_data_only_when_the_organization_allows(clinic: Clinic) -> None:
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()
    http = clinic.login("admin")
    for url in read_urls(clinic):
        assert http.get(url).status_code == 200, url
    for url, data in write_posts(clinic):
        assert http.post(url, data).status_code == 403, url


def test_outsider_admin_setting_does_not_leak_across_organizations(clinic: Clinic) -> None:
    clinic.other_org.admins_see_clinical_data = True
    clinic.other_org.save()
    http = clinic.login("outsider")
    for url in read_urls(clinic):
        assert http.get(url).status_code == 404


def test_anonymous_is_sent_to_sign_in(clinic: Clinic) -> None:
    http = clinic.login("anonymous")
    for url in read_urls(clinic):
        response = http.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_client_list_shows_only_visible_clients(clinic: Clinic) -> None:
    assert "Alex" in clinic.login("therapist").get(reverse("care:clients")).content.decode()
    for who in ("colleague", "outsider", "researcher"):
        page = clinic.login(who).get(reverse("care:clients")).content.decode()
        assert "Alex" not in page and "C-0001" not in page, who
    assert "Xavi" not in clinic.login("therapist").get(reverse("care:clients")).content.decode()


def test_unknown_and_malformed_ids_are_404_not_500(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    for url in [
        "/clients/999999999/",
        "/clients/99999999999999999999999/",
        "/episodes/0/",
        "/sessions/123456789012/",
    ]:
        assert http.get(url).status_code == 404, url


def test_researcher_cannot_create_clients(clinic: Clinic) -> None:
    http = clinic.login("researcher")
    assert http.get(reverse("care:client_create")).status_code == 403
    assert (
        http.post(reverse("care:client_create"), {"code": "R", "display_name": "R"}).status_code
        == 403
    )


def test_a_colleague_marked_as_left_loses_access(clinic: Clinic) -> None:
    from alliance.care.models import Participant

    http = clinic.login("therapist")
    http.post(
        reverse("care:participant_add_staff", args=[clinic.episode.pk]),
        {"user": clinic.colleague.pk, "role": "co_therapist"},
    )
    colleague = clinic.login("colleague")
    assert colleague.get(reverse("care:client", args=[clinic.client.pk])).status_code == 200
    left = Participant.objects.get(episode=clinic.episode, user=clinic.colleague)
    http.post(reverse("care:participant_leave", args=[clinic.episode.pk, left.pk]))
    assert colleague.get(reverse("care:client", args=[clinic.client.pk])).status_code == 404
    assert (
        colleague.post(
            reverse("care:client_edit", args=[clinic.client.pk]),
            {"code": "C-0001", "display_name": "Changed"},
        ).status_code
        == 404
    )


def test_interpreters_rate_through_links_and_do_not_read_the_record(clinic: Clinic) -> None:
    from alliance.care.models import Participant

    Participant.objects.create(episode=clinic.episode, user=clinic.colleague, role="interpreter")
    http = clinic.login("colleague")
    for url in read_urls(clinic):
        assert http.get(url).status_code == 404, url


def test_read_access_never_becomes_write_access_through_a_new_episode(clinic: Clinic) -> None:
    from alliance.accounts.models import Membership

    Membership.objects.create(user=clinic.supervisor, organization=clinic.org, role="therapist")
    http = clinic.login("supervisor")
    response = http.post(
        reverse("care:episode_create"),
        {
            "format": "individual",
            "started_on": "2026-10-01",
            "clients": [clinic.client.pk],
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert (
        http.post(
            reverse("care:client_edit", args=[clinic.client.pk]),
            {"code": "C-0001", "display_name": "Pwned"},
        ).status_code
        == 403
    )

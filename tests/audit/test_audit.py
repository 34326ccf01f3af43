from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse

from alliance.audit.models import AppendOnlyError, AuditEvent
from tests.conftest import Clinic


def test_events_cannot_be_changed_or_deleted(clinic: Clinic) -> None:
    clinic.login("therapist").get(reverse("care:client", args=[clinic.client.pk]))
    event = AuditEvent.objects.latest("id")
    event.action = "delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="x")


def test_database_refuses_rewriting_the_trail_on_postgresql(clinic: Clinic) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guard is a PostgreSQL trigger")
    clinic.login("therapist").get(reverse("care:client", args=[clinic.client.pk]))
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET action = 'x'")


def test_admin_browses_and_filters_the_trail(clinic: Clinic) -> None:
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()
    clinic.login("therapist").get(reverse("care:client", args=[clinic.client.pk]))
    clinic.login("therapist").post(
        reverse("care:client_edit", args=[clinic.client.pk]),
        {"code": "C-0001", "display_name": "Alexa"},
    )
    http = clinic.login("admin")
    page = http.get(reverse("audit:list")).content.decode()
    assert "tess@northside.test" in page and "Viewed" in page and "Changed" in page
    filtered = http.get(
        reverse("audit:list"), {"action": "update", "client": "C-0001"}
    ).content.decode()
    assert "Alexa" in filtered and "Viewed" not in filtered.split("<tbody>")[1]
    bad = http.get(reverse("audit:list"), {"since": "yesterday", "page": "abc"})
    assert bad.status_code == 200 and "This is not a date we can read" in bad.content.decode()


def test_admin_never_sees_another_organizations_trail(clinic: Clinic) -> None:
    clinic.login("therapist").get(reverse("care:client", args=[clinic.client.pk]))
    page = clinic.login("outsider").get(reverse("audit:list")).content.decode()
    assert "tess@northside.test" not in page and "C-0001" not in page


def test_trail_shows_admins_no_clinical_content_unless_allowed(clinic: Clinic) -> None:
    clinic.login("therapist").post(
        reverse("care:client_edit", args=[clinic.client.pk]),
        {"code": "C-0001", "display_name": "Alexandra", "email": "alex@example.org"},
    )
    page = clinic.login("admin").get(reverse("audit:list")).content.decode()
    assert "display_name" in page and "C-0001" in page
    assert "Alexandra" not in page and "alex@example.org" not in page
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()
    page = clinic.login("admin").get(reverse("audit:list")).content.decode()
    assert "Alexandra" in page


def test_answers_are_not_copied_into_the_trail(clinic: Clinic) -> None:
    from alliance.checkins import services
    from alliance.measures.models import current_instrument

    participant = clinic.episode.participants.get(client=clinic.client)
    services.save_response(
        session=clinic.session,
        participant=participant,
        instrument=current_instrument("alliance-checkin-client"),
        answers={"bond": "3", "change": "private words"},
        idempotency_key="k1",
        channel="link",
    )
    event = AuditEvent.objects.get(action="submit")
    assert "private words" not in str(event.after) and "(content " in str(event.after["answers"])


def test_client_address_behind_a_trusted_proxy(settings) -> None:
    from django.test import RequestFactory

    from alliance.audit.middleware import client_ip

    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    factory = RequestFactory()
    forged = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(forged) == "198.51.100.7"
    proxied = factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_ip(proxied) == "203.0.113.5"

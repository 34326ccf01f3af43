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
    assert bad.status_code == 200 and "Enter a valid date" in bad.content.decode()


def test_admin_never_sees_another_organizations_trail(clinic: Clinic) -> None:
    clinic.login("therapist").get(reverse("care:client", args=[clinic.client.pk]))
    page = clinic.login("outsider").get(reverse("audit:list")).content.decode()
    assert "tess@northside.test" not in page and "C-0001" not in page

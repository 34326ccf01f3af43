"""The therapist records consent, channel and quiet hours and the episode's pulse; the admin
sets the reminder time. Every change is audited; bad input is shown again with a message."""

from __future__ import annotations

from typing import Any

from alliance.audit.models import AuditEvent
from alliance.checkins import services
from alliance.checkins.models import ContactPreferences, SendingSettings


def test_the_therapist_records_consent_channel_and_quiet_hours(clinic: Any) -> None:
    http = clinic.login("therapist")
    url = f"/episodes/{clinic.episode.pk}/sending/"
    page = http.get(url).content.decode()
    assert "Alex" in page and "No email address" in page
    prefix = f"c{clinic.client.pk}"
    body = {
        "action": "client",
        "client": clinic.client.pk,
        f"{prefix}-channel": "email",
        f"{prefix}-consent": "on",
        f"{prefix}-quiet_from": "22:00",
        f"{prefix}-quiet_until": "07:30",
    }
    refused = http.post(url, body)
    assert refused.status_code == 400
    assert "There is no email address for this client" in refused.content.decode()
    assert 'value="22:00"' in refused.content.decode()  # what was typed is kept
    assert not ContactPreferences.objects.exists()

    clinic.client.email = "alex@example.test"
    clinic.client.save()
    assert http.post(url, body).status_code == 302
    prefs = ContactPreferences.objects.get(client=clinic.client)
    assert prefs.consent and str(prefs.quiet_from) == "22:00:00"
    assert prefs.consent_noted_by == clinic.therapist and prefs.consent_noted_at is not None
    assert AuditEvent.objects.filter(object_type="checkins.ContactPreferences").exists()
    assert "Agreement last recorded" in http.get(url).content.decode()


def test_the_pulse_interval_is_agreed_per_episode(clinic: Any) -> None:
    http = clinic.login("therapist")
    url = f"/episodes/{clinic.episode.pk}/sending/"
    bad = http.post(
        url, {"action": "episode", "send_automatically": "on", "pulse_every_days": "99"}
    )
    assert bad.status_code == 400 and "from 0 (off) to 60" in bad.content.decode()
    ok = http.post(url, {"action": "episode", "send_automatically": "on", "pulse_every_days": "7"})
    assert ok.status_code == 302
    assert services.episode_settings(clinic.episode).pulse_every_days == 7
    assert "Between sessions" in http.get(f"/episodes/{clinic.episode.pk}/").content.decode()


def test_the_supervisor_reads_but_cannot_change(clinic: Any) -> None:
    http = clinic.login("supervisor")
    url = f"/episodes/{clinic.episode.pk}/sending/"
    page = http.get(url).content.decode()
    assert "has not agreed to messages" in page and "<form method" not in page.split("</header>")[1]
    assert http.post(url, {"action": "episode", "pulse_every_days": "7"}).status_code == 403


def test_the_admin_sets_the_reminder_time(clinic: Any) -> None:
    http = clinic.login("admin")
    assert http.post("/org/sending/", {"reminder_hours": "500"}).status_code == 400
    assert http.post("/org/sending/", {"reminder_hours": "48"}).status_code == 302
    assert SendingSettings.objects.get(organization=clinic.org).reminder_hours == 48
    assert clinic.login("therapist").get("/org/sending/").status_code == 403

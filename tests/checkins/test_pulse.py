"""The between-session pulse: sent at the interval agreed for the episode, answered through the
same storage path as every check-in, shown as its own trend, and a sharp fall raises an alert."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core import mail
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alliance.checkins import jobs, services
from alliance.checkins.models import PULSE_KEY, ContactPreferences, Response
from alliance.insights.models import Alert
from alliance.insights.pulse import Pulse, findings

from .helpers import form_key, good_answers, issue

LINK = re.compile(r"/c/([A-Za-z0-9_-]{40,64})/")


def agree_on_a_weekly_pulse(clinic: Any) -> None:
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    # no quiet hours: the tests run at any hour of the day
    quiet = dt.time(0)
    ContactPreferences.objects.create(
        client=clinic.client, consent=True, quiet_from=quiet, quiet_until=quiet
    )
    row = services.episode_settings(clinic.episode)
    row.pulse_every_days = 7
    row.save()


def send_and_answer(clinic: Any, now: dt.datetime, value: str, capture: Any) -> Any:
    with capture(execute=True):
        assert jobs.send_due_links(now=now) == 1
    message = mail.outbox[-1]
    assert "since your last session" in message.subject
    token = LINK.findall(message.body)[0]
    http = clinic.login("anonymous")
    page = http.get(f"/c/{token}/").content.decode()
    assert "A quick check between sessions" in page
    assert "How have things been since our last session?" in page
    with capture(execute=True):
        sent = http.post(
            f"/c/{token}/",
            {"idempotency_key": form_key(page), "q1-pulse": value, "q1-comment": "Hard week."},
        )
    assert sent.status_code == 302
    return token


def test_a_weekly_pulse_is_stored_shown_and_a_sharp_fall_raises_an_alert(
    clinic: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agree_on_a_weekly_pulse(clinic)
    end = clinic.session.starts_at + dt.timedelta(minutes=clinic.session.duration_minutes)
    # the session's own check-in link is still open: a pulse never cancels it
    _checkin, session_token = issue(clinic)

    send_and_answer(
        clinic, end + dt.timedelta(days=7, minutes=1), "8", django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_links(now=end + dt.timedelta(days=7, minutes=2)) == 0
    assert not Alert.objects.filter(kind="pulse_fall").exists()
    send_and_answer(
        clinic, end + dt.timedelta(days=14, minutes=1), "4", django_capture_on_commit_callbacks
    )

    pulses = Response.objects.filter(instrument_key=PULSE_KEY).order_by("pk")
    assert [p.scores["scales"]["pulse"] for p in pulses] == [8, 4]
    assert {p.session_id for p in pulses} == {clinic.session.pk}
    assert pulses[0].answers == {"pulse": 8, "comment": "Hard week."}
    alert = Alert.objects.get(kind="pulse_fall")
    assert alert.severity == "medium" and alert.participant.client == clinic.client
    assert "pulse 4 after session 1, 4 points below the client's usual 8" in alert.reason

    fhir = clinic.login("therapist").get(f"/responses/{pulses[1].pk}/fhir.json").json()
    QuestionnaireResponse.model_validate(fhir)
    assert fhir["questionnaire"].endswith("/alliance-pulse|1.0.0")
    page = clinic.login("therapist").get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert "Between sessions" in page and "Sharp fall between sessions" in page
    assert re.search(r"<strong>4</strong>.*<strong>8</strong>", page, re.S)

    http = clinic.login("anonymous")
    answer = http.post(
        f"/c/{session_token}/",
        good_answers(form_key(http.get(f"/c/{session_token}/").content.decode())),
    )
    assert answer.status_code == 302  # the session's own link still worked


def test_the_pulse_rule_is_relative_to_the_clients_own_median() -> None:
    def pulses(*values: float) -> list[Pulse]:
        return [Pulse(i, 7, 1, v) for i, v in enumerate(values)]

    assert findings(pulses(6)) == []
    assert findings(pulses(6, 4)) == []  # 2 points: not sharp
    falls = findings(pulses(8, 1, 8, 8, 5))
    assert [f.pulse.value for f in falls] == [1, 5]
    # the median of the last three (1, 8, 8) is 8: the one odd week does not lower the bar
    assert (falls[-1].baseline, falls[-1].previous) == (8, 3)
    [sharp] = findings(pulses(8, 2))
    assert sharp.severity == "high"


def test_without_an_agreed_interval_no_pulse_is_sent(
    clinic: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agree_on_a_weekly_pulse(clinic)
    row = services.episode_settings(clinic.episode)
    row.pulse_every_days = 0
    row.save()
    end = clinic.session.starts_at + dt.timedelta(minutes=clinic.session.duration_minutes)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_links(now=end + dt.timedelta(days=7, minutes=1)) == 0


def test_the_pulse_form_and_its_email_in_the_clients_language(
    clinic: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agree_on_a_weekly_pulse(clinic)
    clinic.client.language = "de"
    clinic.client.save()
    end = clinic.session.starts_at + dt.timedelta(minutes=clinic.session.duration_minutes)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.send_due_links(now=end + dt.timedelta(days=7, minutes=1))
    [message] = mail.outbox
    assert "Wie ist es Ihnen seit Ihrer letzten Sitzung ergangen?" in message.subject
    assert "Bitte leiten Sie diese E-Mail nicht weiter." in message.body
    token = LINK.findall(message.body)[0]
    page = clinic.login("anonymous").get(f"/c/{token}/").content.decode()
    assert "Kurze Nachfrage zwischen den Sitzungen" in page
    assert "Wie ist es Ihnen seit unserer letzten Sitzung ergangen?" in page
    assert "Sehr schlecht" in page and "Möchten Sie noch etwas ergänzen?" in page

"""Staff pages around a session: links, QR, email, own rating, paper entry, FHIR export."""

from __future__ import annotations

import re
import socket

import pytest
from django.core import mail
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alliance.audit.models import AuditEvent
from alliance.checkins import services
from alliance.checkins.models import CheckinRequest, CheckinState, Response, hash_token

from .helpers import client_participant, form_key, good_answers, issue, therapist_participant


def _create_link(clinic, who="therapist"):
    return clinic.login(who).post(
        f"/sessions/{clinic.session.pk}/checkins/new/",
        {"participant": client_participant(clinic).pk},
    )


def test_session_page_shows_the_panel_and_the_own_rating_form(clinic):
    page = clinic.login("therapist").get(f"/sessions/{clinic.session.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Check-ins" in html and "Your view of this session" in html
    assert 'name="q1-bond"' in html  # the therapist form, right on the session page
    assert "PHQ-9" in html and "Check-in link / QR" in html
    supervisor = clinic.login("supervisor").get(f"/sessions/{clinic.session.pk}/")
    assert "Check-in link / QR" not in supervisor.content.decode()


def test_therapist_creates_a_link_shown_as_qr_and_text(clinic):
    page = _create_link(clinic)
    html = page.content.decode()
    assert page.status_code == 200
    token = re.search(r"/c/([A-Za-z0-9_-]{43})/", html).group(1)
    checkin = CheckinRequest.objects.get()
    assert checkin.token_hash == hash_token(token)
    assert 'src="data:image/svg+xml;base64,' in html
    assert "style=" not in html  # the CSP forbids inline styles
    assert page["Cache-Control"] == "no-store"
    assert [i.key for i in checkin.instruments()] == ["phq-9", "gad-7", "alliance-checkin-client"]


def test_link_is_sent_by_email_without_the_token_in_the_audit(
    clinic, django_capture_on_commit_callbacks
):
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    html = _create_link(clinic).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    checkin = CheckinRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued on commit
        response = clinic.login("therapist").post(
            f"/sessions/{clinic.session.pk}/checkins/{checkin.pk}/email/", {"token": token}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alex@example.test"]
    assert f"/c/{token}/" in message.body
    assert "Northside Clinic" in message.body and "Tess" in message.body
    assert "Alex" not in message.body
    checkin.refresh_from_db()
    assert checkin.email_sent_at is not None
    sent = AuditEvent.objects.get(action="send")
    assert sent.actor == clinic.therapist and sent.source == "task"
    assert not AuditEvent.objects.filter(after__icontains=token).exists()
    wrong = clinic.login("therapist").post(
        f"/sessions/{clinic.session.pk}/checkins/{checkin.pk}/email/", {"token": "x" * 43}
    )
    assert wrong.status_code == 302 and len(mail.outbox) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_email_is_delivered_through_a_real_smtp_server(clinic, settings):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    port = _free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = False
        clinic.client.email = "alex@example.test"
        clinic.client.save()
        checkin, token = issue(clinic)
        services.send_link_email(checkin, token)
    finally:
        controller.stop()
    assert len(received) == 1
    assert received[0]["To"] == "alex@example.test"
    body = received[0].get_payload(decode=True).decode()
    assert f"/c/{token}/" in body and "Northside Clinic" in body


def test_therapist_rates_own_view_from_the_session_page(clinic):
    http = clinic.login("therapist")
    url = f"/sessions/{clinic.session.pk}/checkins/rate/"
    html = http.get(f"/sessions/{clinic.session.pk}/").content.decode()
    data = good_answers(form_key(html))
    response = http.post(url, data)
    assert response.status_code == 302
    stored = Response.objects.get()
    assert stored.instrument_key == "alliance-checkin-therapist"
    assert stored.participant == therapist_participant(clinic)
    assert stored.channel == "self" and stored.scores["scales"]["alliance"] == 8.0
    assert http.post(url, data).status_code == 302  # the double click
    assert Response.objects.count() == 1
    assert (
        "Your view of this session"
        not in http.get(f"/sessions/{clinic.session.pk}/").content.decode()
    )


def test_staff_enters_a_paper_form_marked_as_entered_by_staff(clinic):
    checkin, _token = issue(clinic, only=None)
    http = clinic.login("therapist")
    url = f"/sessions/{clinic.session.pk}/checkins/paper/{client_participant(clinic).pk}/"
    html = http.get(url).content.decode()
    data = good_answers(form_key(html), prefix="q3")
    data.update({f"q1-phq9-{i}": "0" for i in range(1, 10)})
    data.update({f"q2-gad7-{i}": "0" for i in range(1, 8)})
    assert http.post(url, data).status_code == 302
    responses = Response.objects.all()
    assert responses.count() == 3
    assert {r.entered_by_staff for r in responses} == {clinic.therapist}
    assert {r.channel for r in responses} == {"paper"}
    checkin.refresh_from_db()
    assert checkin.state == CheckinState.CANCELLED  # its questions are answered on paper


def test_response_exports_as_valid_fhir(clinic):
    _checkin, token = issue(clinic, only=("phq-9", "alliance-checkin-client"))
    from django.test import Client as HttpClient

    http = HttpClient()
    data = good_answers(form_key(http.get(f"/c/{token}/").content.decode()), prefix="q2")
    data.update({f"q1-phq9-{i}": "2" for i in range(1, 11)})
    http.post(f"/c/{token}/", data)
    for stored in Response.objects.all():
        download = clinic.login("therapist").get(f"/responses/{stored.pk}/fhir.json")
        assert download.status_code == 200
        assert download["Content-Type"] == "application/fhir+json"
        resource = QuestionnaireResponse.model_validate(download.json())
        assert resource.status == "completed"
        assert resource.questionnaire.endswith("|1.0.0")
    phq = Response.objects.get(instrument_key="phq-9").pk
    item = clinic.login("therapist").get(f"/responses/{phq}/fhir.json").json()["item"][0]
    assert item["answer"][0]["valueCoding"]["code"] == "LA6570-1"
    assert clinic.login("supervisor").get(f"/responses/{phq}/fhir.json").status_code == 200
    assert clinic.login("outsider").get(f"/responses/{phq}/fhir.json").status_code == 404
    assert clinic.login("researcher").get(f"/responses/{phq}/fhir.json").status_code == 404
    assert AuditEvent.objects.filter(action="export").count() >= 3


def _staff_urls(clinic):
    s = clinic.session.pk
    checkin, _token = issue(clinic)
    participant = client_participant(clinic).pk
    return [
        ("post", f"/sessions/{s}/checkins/new/", {"participant": participant}),
        ("post", f"/sessions/{s}/checkins/{checkin.pk}/email/", {"token": "x"}),
        ("post", f"/sessions/{s}/checkins/{checkin.pk}/cancel/", {}),
        ("post", f"/sessions/{s}/checkins/rate/", {}),
        ("get", f"/sessions/{s}/checkins/paper/{participant}/", {}),
        ("post", f"/sessions/{s}/checkins/paper/{participant}/", {}),
        ("post", f"/episodes/{clinic.episode.pk}/plan/", {"action": "reset"}),
    ]


def test_outsider_gets_404_on_every_staff_checkin_url(clinic):
    http = clinic.login("outsider")
    for method, url, data in _staff_urls(clinic):
        assert getattr(http, method)(url, data).status_code == 404, url
    assert http.get(f"/episodes/{clinic.episode.pk}/plan/").status_code == 404


def test_colleague_outside_the_episode_gets_404(clinic):
    http = clinic.login("colleague")
    for method, url, data in _staff_urls(clinic):
        assert getattr(http, method)(url, data).status_code == 404, url


def test_supervisor_gets_403_on_every_write(clinic):
    http = clinic.login("supervisor")
    for method, url, data in _staff_urls(clinic):
        assert getattr(http, method)(url, data).status_code == 403, url
    assert CheckinRequest.objects.filter(state=CheckinState.PENDING).count() == 1


@pytest.mark.parametrize("who", ["anonymous"])
def test_anonymous_is_sent_to_sign_in(clinic, who):
    response = clinic.login(who).get(f"/sessions/{clinic.session.pk}/checkins/rate/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_participants_paper_form_opens_the_interpreters_too(clinic):
    import re

    from alliance.care.models import Participant, ParticipantRole

    interpreter = Participant.objects.create(
        episode=clinic.episode, user=clinic.colleague, role=ParticipantRole.INTERPRETER
    )
    http = clinic.login("therapist")
    url = f"/sessions/{clinic.session.pk}/checkins/paper/{interpreter.pk}/"
    page = http.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    data = {"idempotency_key": form_key(html)}
    for name in set(re.findall(r'name="(q\d+-[a-z0-9_-]+)" value="(\d+)"', html)):
        data.setdefault(name[0], "8")
    assert http.post(url, data).status_code == 302
    stored = Response.objects.get(participant=interpreter)
    assert stored.instrument_key == "alliance-checkin-interpreter"
    assert stored.channel == "paper" and stored.entered_by_staff == clinic.therapist
    # the therapist's own view is rated on their own page, never entered as paper
    own = f"/sessions/{clinic.session.pk}/checkins/paper/{therapist_participant(clinic).pk}/"
    assert http.get(own).status_code == 302

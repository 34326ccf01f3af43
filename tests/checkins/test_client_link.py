"""The client's side of a check-in link: answering, and every way a link can fail."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.test import Client as HttpClient
from django.utils import timezone

from alliance.audit.models import AuditEvent
from alliance.checkins import services
from alliance.checkins.models import CheckinState, Response, hash_token

from .helpers import form_key, good_answers, issue

UNAVAILABLE = "This link cannot be used"


def test_only_a_hash_of_the_token_is_stored(clinic):
    checkin, token = issue(clinic)
    assert len(token) >= 43
    assert checkin.token_hash == hash_token(token) != token
    assert not AuditEvent.objects.filter(after__icontains=token).exists()


def test_client_answers_and_sees_thank_you(clinic):
    checkin, token = issue(clinic)
    http = HttpClient()
    page = http.get(f"/c/{token}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Northside Clinic" in html and "Tess" in html
    assert "Alex" not in html and "C-0001" not in html and "tess@" not in html
    assert "htmx" not in html and "alliance.css" not in html
    assert 'name="q1-bond" value="10"' in html
    checkin.refresh_from_db()
    assert checkin.state == CheckinState.OPENED and checkin.opened_at

    done = http.post(f"/c/{token}/", good_answers(form_key(html)))
    assert done.status_code == 302 and done["Location"] == f"/c/{token}/done/"
    response = Response.objects.get()
    assert response.answers["bond"] == 8 and response.answers["change"].startswith("More")
    assert response.scores["scales"]["alliance"] == 8.0
    assert response.channel == "link" and response.entered_by_staff is None
    checkin.refresh_from_db()
    assert checkin.state == CheckinState.COMPLETED
    thanks = http.get(done["Location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.content.decode()
    event = AuditEvent.objects.get(action="submit")
    assert event.source == "link" and event.actor is None
    assert event.organization == clinic.org


def _unavailable_body(response):
    assert response.status_code == 404
    body = response.content.decode()
    assert UNAVAILABLE in body and "ask your therapist for a new link" in body
    return body


def test_unknown_malformed_and_tampered_links_get_the_same_page_and_store_nothing(clinic):
    checkin, token = issue(clinic)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    http = HttpClient()
    bodies = {
        _unavailable_body(http.get(f"/c/{t}/"))
        for t in (secrets.token_urlsafe(32), "short", tampered, token + "x")
    }
    assert len(bodies) == 1
    posted = http.post(f"/c/{tampered}/", good_answers("0" * 32))
    assert _unavailable_body(posted) in bodies
    assert Response.objects.count() == 0
    checkin.refresh_from_db()
    assert checkin.state == CheckinState.PENDING


def test_expired_link_looks_like_an_unknown_one_and_stores_nothing(clinic):
    checkin, token = issue(clinic)
    key = form_key(HttpClient().get(f"/c/{token}/").content.decode())
    checkin.expires_at = timezone.now() - dt.timedelta(minutes=1)
    checkin.save()
    http = HttpClient()
    expired = _unavailable_body(http.post(f"/c/{token}/", good_answers(key)))
    unknown = _unavailable_body(http.get(f"/c/{secrets.token_urlsafe(32)}/"))
    assert expired == unknown
    assert Response.objects.count() == 0
    checkin.refresh_from_db()
    assert checkin.state == CheckinState.EXPIRED


def test_link_expiry_follows_the_organization_setting(clinic):
    clinic.org.checkin_link_hours = 24
    clinic.org.save()
    checkin, _token = issue(clinic)
    hours = (checkin.expires_at - checkin.created_at).total_seconds() / 3600
    assert round(hours) == 24


def _received_body(response):
    """A used link never looks like an error: the answers arrived, with whom to contact."""
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your answers were received" in body and "Northside Clinic" in body
    assert UNAVAILABLE not in body
    assert "More time for the homework" not in body and "Your ratings so far" not in body
    return body


def test_used_link_says_the_answers_were_received(clinic):
    checkin, token = issue(clinic)
    clinic.org.client_contact = "020 7946 0000 (reception)"
    clinic.org.save()
    first = HttpClient()
    first.post(f"/c/{token}/", good_answers(form_key(first.get(f"/c/{token}/").content.decode())))
    stranger = HttpClient()
    assert "020 7946 0000 (reception)" in _received_body(stranger.get(f"/c/{token}/"))
    _received_body(stranger.post(f"/c/{token}/", good_answers("1" * 32, **{"q1-bond": "0"})))
    _received_body(stranger.get(f"/c/{token}/done/"))
    # The same browser going back to the form is told the same, not shown an error.
    _received_body(first.get(f"/c/{token}/"))
    assert Response.objects.count() == 1 and Response.objects.get().answers["bond"] == 8


def test_cancelled_link_and_a_replaced_link_stop_working(clinic):
    old, old_token = issue(clinic)
    new, new_token = issue(clinic)
    old.refresh_from_db()
    assert old.state == CheckinState.CANCELLED
    _unavailable_body(HttpClient().get(f"/c/{old_token}/"))
    services.cancel(new)
    _unavailable_body(HttpClient().get(f"/c/{new_token}/"))


def test_same_idempotency_key_twice_gives_one_response(clinic):
    _checkin, token = issue(clinic)
    http = HttpClient()
    data = good_answers(form_key(http.get(f"/c/{token}/").content.decode()))
    first = http.post(f"/c/{token}/", data)
    second = http.post(f"/c/{token}/", data)  # double click, refresh or retry
    http.cookies.pop("alliance_checkin_done")
    retry = http.post(f"/c/{token}/", data)  # retry after a lost response
    # Someone else who learned the link and the key gets nothing (issue 14, finding 6).
    other_browser = HttpClient().post(f"/c/{token}/", data)
    assert first.status_code == second.status_code == retry.status_code == 302
    # ... beyond being told, as anyone holding the link is, that the answers were received.
    assert other_browser.status_code == 200
    assert "Your answers were received" in other_browser.content.decode()
    assert "More time for the homework" not in other_browser.content.decode()
    assert Response.objects.count() == 1


def test_invalid_answer_is_shown_inline_and_everything_else_is_kept(clinic):
    _checkin, token = issue(clinic)
    http = HttpClient()
    key = form_key(http.get(f"/c/{token}/").content.decode())
    page = http.post(f"/c/{token}/", good_answers(key, **{"q1-bond": "11"}))
    html = page.content.decode()
    assert page.status_code == 400
    assert 'id="q1-bond-error">Please choose one of the options shown.' in html
    assert 'name="q1-goals" value="7" checked' in html
    assert 'name="q1-tasks" value="9" checked' in html
    assert "More time for the homework.</textarea>" in html
    assert f'value="{key}"' in html  # the same key, so a corrected resubmit stays idempotent
    assert Response.objects.count() == 0
    empty = http.post(f"/c/{token}/", {"idempotency_key": key})
    assert "Please answer at least one question." in empty.content.decode()


def test_several_measures_due_are_one_link_and_one_form(clinic):
    checkin, token = issue(clinic, only=None)
    assert [i.key for i in checkin.instruments()] == ["phq-9", "gad-7", "alliance-checkin-client"]
    http = HttpClient()
    html = http.get(f"/c/{token}/").content.decode()
    assert "q1-phq9-9" in html and "q2-gad7-1" in html and "q3-bond" in html
    data = good_answers(form_key(html), prefix="q3")
    data.update({f"q1-phq9-{i}": "1" for i in range(1, 10)})
    data.update({f"q2-gad7-{i}": "2" for i in range(1, 8)})
    asked = http.post(f"/c/{token}/", data)
    # The PHQ-9's "how difficult" question was left out: asked once, gently, nothing stored yet.
    assert asked.status_code == 200 and not Response.objects.exists()
    assert "You skipped 1 question — send anyway?" in asked.content.decode()
    data["send_with_gaps"] = "1"
    assert http.post(f"/c/{token}/", data).status_code == 302
    scores = {r.instrument_key: r for r in Response.objects.all()}
    assert scores["phq-9"].scores["scales"]["total"] == 9.0
    assert scores["phq-9"].risk and scores["phq-9"].risk[0]["linkId"] == "phq9-9"
    assert scores["gad-7"].scores["scales"]["total"] == 14.0
    assert services.open_measures(clinic.session, checkin.participant) == []


def test_page_follows_the_browser_language(clinic):
    _checkin, token = issue(clinic, only=("alliance-checkin-client", "phq-9"))
    german = HttpClient().get(f"/c/{token}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de">' in german
    assert "Wie war Ihre Sitzung?" in german
    assert "gehört, verstanden und respektiert" in german
    # PHQ-9 has no official German text in the product: it stays English, marked as such.
    assert 'lang="en"' in german and "Little interest or pleasure" in german
    english = HttpClient().get(f"/c/{token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How was your session?" in english


def test_progress_is_shown_only_where_the_therapist_enabled_it(clinic):
    _checkin, token = issue(clinic)
    http = HttpClient()
    http.post(f"/c/{token}/", good_answers(form_key(http.get(f"/c/{token}/").content.decode())))
    assert "Your ratings so far" not in http.get(f"/c/{token}/done/").content.decode()
    settings_row = services.episode_settings(clinic.episode)
    settings_row.share_progress_with_client = True
    settings_row.save()
    page = http.get(f"/c/{token}/done/").content.decode()
    assert "Your ratings so far" in page and "<td>8.0</td>" in page


def test_failed_attempts_are_rate_limited_per_ip(clinic, settings):
    settings.CHECKIN_FAILED_ATTEMPTS_PER_MINUTE = 3
    _checkin, token = issue(clinic)
    http = HttpClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert http.get(f"/c/{secrets.token_urlsafe(32)}/").status_code == 404
    blocked = http.get(f"/c/{secrets.token_urlsafe(32)}/")
    assert blocked.status_code == 429 and "wait" in blocked.content.decode().lower()
    # A real link still works from the same address: the limit only stops guessing.
    assert http.get(f"/c/{token}/").status_code == 200
    assert (
        HttpClient(REMOTE_ADDR="203.0.113.10").get(f"/c/{secrets.token_urlsafe(32)}/").status_code
        == 404
    )


def test_tokens_are_never_logged(clinic, caplog):
    _checkin, token = issue(clinic)
    guess = secrets.token_urlsafe(32)
    with caplog.at_level(logging.DEBUG):
        HttpClient().get(f"/c/{guess}/")
        HttpClient().post(f"/c/{token}/", {"q1-bond": "99"})
        assert HttpClient().put(f"/c/{token}/").status_code == 405
        HttpClient(enforce_csrf_checks=True).post(f"/c/{guess}/", {})
    assert guess not in caplog.text and token not in caplog.text

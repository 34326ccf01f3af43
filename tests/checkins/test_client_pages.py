"""What a client meets on their pages: honest length, a gentle question about gaps, an error
summary that leads to each answer, the agenda before the session only, a calm page for a used
link, a language choice that follows them, and never the rate-limit page after a good send."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient

from alliance.care.models import Client
from alliance.checkins import ratelimit
from alliance.checkins.models import Response

from .client_tour import CONTACT, _FakeRequest, pages, prepare
from .helpers import form_key, good_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(clinic):
    return pages(HttpClient(), prepare(clinic))


def test_the_intro_states_the_real_length(seen) -> None:
    assert "It takes about a minute: 4 questions." in seen["form"]
    assert "It takes about 4 minutes, in 3 short parts." in seen["combined"]
    assert seen["combined"].count('class="part"') == 3 and "Part 2 of 3" in seen["combined"]


def test_no_clinician_text_on_client_pages(seen) -> None:
    for name, html in seen.items():
        assert "validated" not in html and "cutoff" not in html, name


def test_ids_referenced_by_the_page_exist(seen) -> None:
    for name, html in seen.items():
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), name
        for described in re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', html):
            for ref in described.split():
                assert ref in ids, (name, ref)
        for anchor in re.findall(r'href="#([^"]+)"', html):
            assert anchor in ids, (name, anchor)


def test_error_summary_links_each_answer_and_takes_focus(seen) -> None:
    html = seen["form-errors"]
    summary = html.split('id="problems"', 1)[1].split("</div>", 1)[0]
    assert "autofocus" in html.split('id="problems"', 1)[0][-200:] + summary[:40]
    assert 'href="#q1-bond-opt0"' in summary and "Please choose one of the options" in summary
    assert 'value="7"' in html  # what was entered is kept
    assert 'href="#id_focus"' in seen["agenda-errors"]
    assert 'href="#id_pace_0"' in seen["preferences-errors"]


def test_scale_options_say_what_the_ends_mean(seen) -> None:
    html = seen["form"]
    assert re.search(
        r'value="0"[^>]*><span>0<span class="visually-hidden">, Not at all</span>', html
    )
    assert re.search(r'value="10"[^>]*><span>10<span class="visually-hidden">, Completely', html)
    assert '<span class="visually-hidden">, None yet</span>' in seen["goals"]


def test_agenda_is_offered_before_the_session_not_after(seen) -> None:
    assert "/agenda/" in seen["before"]
    assert "/agenda/" not in seen["form"]
    assert "did we work on what you wanted" not in seen["agenda-before"]
    assert "did we work on what you wanted" in seen["agenda-after"]
    assert "Did we work on it?" in seen["thank-you"]  # the client gave a focus beforehand


def test_thank_you_page_explains_the_numbers_and_offers_the_review(seen) -> None:
    html = seen["thank-you"]
    assert "Each number is the average of your ratings of that session" in html
    assert 'class="send" href="/c/' in html and "Review my goals" in html


def test_a_used_link_says_received_with_the_clinic_and_its_contact(seen) -> None:
    html = seen["received"]
    assert "Your answers were received" in html and "Northside Clinic" in html and CONTACT in html
    assert "cannot be used" not in html


def test_skipped_ratings_are_asked_about_once_and_answers_kept(clinic) -> None:
    tour = prepare(clinic)
    http = HttpClient()
    key = form_key(http.get(f"/c/{tour.after}/").content.decode())
    data = {"idempotency_key": key, "q1-bond": "7", "q1-change": "Less homework"}
    asked = http.post(f"/c/{tour.after}/", data)
    html = asked.content.decode()
    assert asked.status_code == 200 and not Response.objects.exists()
    assert "You skipped 3 questions — send anyway?" in html
    assert 'href="#q1-goals-opt0"' in html and "Less homework" in html
    assert 'name="send_with_gaps" value="1"' in html
    sent = http.post(f"/c/{tour.after}/", {**data, "send_with_gaps": "1"})
    assert sent.status_code == 302
    assert Response.objects.get().answers["bond"] == 7


def test_a_good_send_is_never_followed_by_the_rate_limit_page(clinic) -> None:
    """Someone on the clinic's Wi-Fi mistyped links until the address is blocked; a client
    behind the same address still sends, sees their thank-you page and may reopen the link."""
    tour = prepare(clinic)
    http = HttpClient(REMOTE_ADDR="127.0.0.1")
    key = form_key(http.get(f"/c/{tour.after}/").content.decode())
    cache.set(ratelimit._key(_FakeRequest()), 10**6, 60)
    assert ratelimit.is_blocked(type("R", (), {"META": {"REMOTE_ADDR": "127.0.0.1"}})())
    done = http.post(f"/c/{tour.after}/", good_answers(key))
    thanks = http.get(done["Location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.content.decode()
    again = http.get(f"/c/{tour.after}/")
    assert again.status_code == 200 and "Your answers were received" in again.content.decode()
    assert http.get(f"/c/{tour.after}/preferences/").status_code == 200
    other = HttpClient(REMOTE_ADDR="127.0.0.1").get(f"/c/{tour.after}/done/")
    assert "Your answers were received" in other.content.decode()


def test_the_language_switch_is_remembered_for_the_client(clinic) -> None:
    tour = prepare(clinic)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    page = http.get(f"/c/{tour.after}/").content.decode()
    assert 'name="language" value="es"' in page and ">Español<" in page
    back = http.post(f"/c/{tour.after}/language/", {"language": "es", "next": f"/c/{tour.after}/"})
    assert back.status_code == 302 and back["Location"] == f"/c/{tour.after}/"
    assert Client.objects.get(pk=clinic.client.pk).language == "es"
    # Another device, another link of the same client: still Spanish.
    later = HttpClient(HTTP_ACCEPT_LANGUAGE="de").get(f"/c/{tour.combined}/").content.decode()
    assert '<html lang="es">' in later and "¿Qué tal fue su sesión?" in later
    # Nonsense is refused quietly, and never leads elsewhere.
    odd = http.post(f"/c/{tour.after}/language/", {"language": "xx", "next": "https://evil.test/"})
    assert odd["Location"] == f"/c/{tour.after}/"
    assert Client.objects.get(pk=clinic.client.pk).language == "es"
    assert HttpClient().post("/c/" + "A" * 43 + "/language/", {"language": "de"}).status_code == 404

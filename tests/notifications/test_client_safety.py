"""Safety for the client: who reads the answers and when, before the questions; the crisis
information beside PHQ-9 item 9 and, after a risk answer, first on the thank-you page."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse

from alliance.accounts.models import CrisisInformation
from alliance.audit.models import AuditEvent
from tests.checkins.helpers import form_key, issue
from tests.conftest import Clinic

EMERGENCY = "If you are in danger now, call 999."
SERVICES = "Samaritans: 116 123\nNHS 111: 111"


def crisis(clinic: Clinic, language: str = "en", **kw: Any) -> CrisisInformation:
    """Seeded in bulk as the demo seeds it, so the trail holds only what people change."""
    (row,) = CrisisInformation.objects.bulk_create(
        [
            CrisisInformation(
                organization=clinic.org,
                language=language,
                emergency=EMERGENCY,
                services=SERVICES,
                **kw,
            )
        ]
    )
    return row


def test_the_form_says_who_reads_the_answers_and_when_before_the_questions(
    clinic: Clinic,
) -> None:
    crisis(clinic)
    _r, token = issue(clinic)
    html = HttpClient().get(f"/c/{token}/").content.decode()
    who = html.index("Who reads your answers")
    assert who < html.index('name="q1-bond"')
    assert "Tess usually reads them before your next session." in html
    assert "They are not monitored around the clock." in html
    assert EMERGENCY in html and "<strong>116 123</strong>" in html
    clinic.org.answers_read = "working_day"
    clinic.org.save()
    html = HttpClient().get(f"/c/{token}/").content.decode()
    assert "Tess usually reads them within one working day." in html


def test_without_crisis_information_the_client_is_told_to_call_the_local_number(
    clinic: Clinic,
) -> None:
    _r, token = issue(clinic)
    html = HttpClient().get(f"/c/{token}/").content.decode()
    assert "Call your local emergency number" in html


def test_the_phq9_form_shows_the_crisis_information_beside_item_9(clinic: Clinic) -> None:
    crisis(clinic)
    _r, token = issue(clinic, only=("phq-9",))
    html = HttpClient().get(f"/c/{token}/").content.decode()
    item9 = html.index('name="q1-phq9-9"')
    beside = html.index(EMERGENCY, item9)
    assert beside < item9 + 3000  # right after the question, not at the foot of the page
    assert 'name="q1-phq9-8"' not in html[item9:]  # and after the last of its options only


def _answer_phq9(http: HttpClient, token: str, item9: str) -> str:
    key = form_key(http.get(f"/c/{token}/").content.decode())
    data = {"idempotency_key": key} | {f"q1-phq9-{i}": "1" for i in range(1, 9)}
    data["q1-phq9-9"] = item9
    data["send_with_gaps"] = "1"  # the difficulty question (item 10) is left out
    done = http.post(f"/c/{token}/", data, follow=True)
    return done.content.decode()


def test_after_a_risk_answer_the_thank_you_page_shows_the_crisis_information_first(
    clinic: Clinic,
) -> None:
    crisis(clinic, is_example=True)
    _r, token = issue(clinic, only=("phq-9",))
    html = _answer_phq9(HttpClient(), token, "2")
    assert "If you need help now" in html
    assert html.index("If you need help now") < html.index("Your answers have been sent")
    assert EMERGENCY in html and "Example wording" in html


def test_without_a_risk_answer_the_thank_you_page_stays_as_it_was(clinic: Clinic) -> None:
    crisis(clinic)
    _r, token = issue(clinic, only=("phq-9",))
    html = _answer_phq9(HttpClient(), token, "0")
    assert "Your answers have been sent" in html and 'class="crisis prominent"' not in html


def test_a_client_reads_the_crisis_information_in_their_language(clinic: Clinic) -> None:
    crisis(clinic)
    CrisisInformation.objects.create(
        organization=clinic.org, language="de", emergency="Bei Gefahr: 112 anrufen."
    )
    _r, token = issue(clinic)
    german = HttpClient(HTTP_ACCEPT_LANGUAGE="de").get(f"/c/{token}/").content.decode()
    assert "Bei Gefahr: 112 anrufen." in german and "Wer Ihre Antworten liest" in german
    assert "Tess liest sie in der Regel vor Ihrer nächsten Sitzung." in german
    french = HttpClient(HTTP_ACCEPT_LANGUAGE="fr").get(f"/c/{token}/").content.decode()
    assert EMERGENCY in french  # no French row: the default language's


def test_the_admin_sets_what_clients_are_told(clinic: Clinic) -> None:
    crisis(clinic, is_example=True)
    ada = clinic.login("admin")
    url = reverse("accounts:client_safety")
    page = ada.get(url).content.decode()
    assert "This is example wording" in page and EMERGENCY in page
    bad = ada.post(url, {"answers_read": "same_day", "services_de": "Notruf: 112"})
    assert bad.status_code == 400 and "the numbers alone are not enough" in bad.content.decode()
    ok = ada.post(
        url,
        {
            "answers_read": "same_day",
            "emergency_en": "Call 911 if you are in danger.",
            "services_en": "988 Lifeline: 988",
            "emergency_fr": "Appelez le 112.",
        },
    )
    assert ok.status_code == 302
    clinic.org.refresh_from_db()
    assert clinic.org.answers_read == "same_day"
    rows = {r.language: r for r in CrisisInformation.objects.filter(organization=clinic.org)}
    assert set(rows) == {"en", "fr"} and not rows["en"].is_example
    assert AuditEvent.objects.filter(object_type="accounts.CrisisInformation").count() == 2
    for who in ("therapist", "supervisor", "researcher"):
        assert clinic.login(who).get(url).status_code == 403


def test_a_completed_link_opened_again_shows_no_crisis_block_that_would_reveal_an_answer(
    clinic: Clinic,
) -> None:
    crisis(clinic)
    _r, token = issue(clinic, only=("phq-9",))
    _answer_phq9(HttpClient(), token, "2")
    other = HttpClient().get(f"/c/{token}/").content.decode()
    assert not re.search(r'class="crisis prominent"', other)


def test_other_client_pages_include_the_block_with_only_an_episode(clinic: Clinic) -> None:
    """The pulse and kiosk pages include checkins/_who_reads.html as it is."""
    from django.template.loader import render_to_string

    crisis(clinic)
    html = render_to_string("checkins/_who_reads.html", {"episode": clinic.episode})
    assert "Tess usually reads them before your next session." in html and EMERGENCY in html
    assert render_to_string("checkins/_who_reads.html", {}).strip() == ""

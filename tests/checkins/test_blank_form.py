"""The client form's questions are rendered once per instruments and language and reused: the
page is the same as rendering them each time, the crisis text beside a risk item follows the
clinic's current wording, and the form's own queries do not grow with what the page names."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import CrisisInformation
from alliance.checkins import blank_form
from tests.conftest import Clinic

from .helpers import issue

KEY = re.compile(r'name="idempotency_key" value="[0-9a-f]{32}"')


def _page(token: str) -> str:
    html = HttpClient().get(f"/c/{token}/").content.decode()
    return KEY.sub("", html)


def test_a_kept_block_gives_the_page_a_fresh_rendering_gives(clinic: Clinic) -> None:
    blank_form.forget()
    _checkin, token = issue(clinic)
    fresh = _page(token)
    assert blank_form._blocks  # kept
    again = _page(token)
    assert again == fresh
    blank_form.forget()
    assert _page(token) == fresh
    assert 'name="q1-bond"' in fresh


def test_the_crisis_text_beside_a_risk_item_is_the_current_one(clinic: Clinic) -> None:
    blank_form.forget()
    _checkin, token = issue(clinic, only=("phq-9",))
    CrisisInformation.objects.update_or_create(
        organization=clinic.org, language="en", defaults={"emergency": "Call 111 first."}
    )
    assert "Call 111 first." in _page(token)
    row = CrisisInformation.objects.get(organization=clinic.org, language="en")
    row.emergency = "Call 999 now."
    row.save()
    page = _page(token)
    assert "Call 999 now." in page and "Call 111 first." not in page


def test_an_other_language_gets_its_own_block(clinic: Clinic) -> None:
    blank_form.forget()
    _checkin, token = issue(clinic)
    english = _page(token)
    german = HttpClient(headers={"accept-language": "de"}).get(f"/c/{token}/").content.decode()
    assert len(blank_form._blocks) == 2
    assert english != KEY.sub("", german)


def test_the_form_page_reads_the_therapist_once(clinic: Clinic) -> None:
    _checkin, token = issue(clinic)
    http = HttpClient()
    http.get(f"/c/{token}/")  # the first opening also writes the "opened" state
    with CaptureQueriesContext(connection) as captured:
        assert http.get(f"/c/{token}/").status_code == 200
    participant_reads = [q for q in captured if q["sql"].count('FROM "care_participant"')]
    assert len(participant_reads) == 1, participant_reads

"""The pages after a completed check-in (thank-you, goal review, agenda, preferences) are for the
browser that submitted it (issue 14, finding 6).

The probe: knowing a link and its form's idempotency key (both in the page's HTML, e.g. in a
shared browser's history or a proxy log of the form), another browser re-posted the key after
the client had finished and was handed the "done" cookie that opens those pages.
"""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from alliance.checkins import services
from tests.checkins.helpers import form_key, good_answers, issue
from tests.conftest import Clinic

pytestmark = pytest.mark.django_db

FOLLOW_UPS = ("done", "goals", "agenda", "preferences")


def _share_progress(clinic: Clinic) -> None:
    row = services.episode_settings(clinic.episode)
    row.share_progress_with_client = True
    row.save()


def test_another_browser_with_the_link_and_the_form_key_gets_nothing(clinic: Clinic) -> None:
    _share_progress(clinic)
    _checkin, token = issue(clinic)
    client_phone, other = HttpClient(), HttpClient()
    key = form_key(client_phone.get(f"/c/{token}/").content.decode())
    assert client_phone.post(f"/c/{token}/", good_answers(key)).status_code == 302

    replay = other.post(f"/c/{token}/", good_answers(key))
    # A used link never looks like an error (issue 17): the other browser sees that answers were
    # received, and nothing of them.
    assert replay.status_code == 200
    assert "Your answers were received" in replay.content.decode()
    assert "Your ratings so far" not in replay.content.decode()
    assert (
        "alliance_checkin_done" not in replay.cookies
        or not replay.cookies["alliance_checkin_done"].value
    )
    for page in FOLLOW_UPS:
        response = other.get(f"/c/{token}/{page}/")
        body = response.content.decode()
        # Nothing of the client's: the page is missing, or says the answers were received.
        assert response.status_code == 404 or "Your answers were received" in body, page
        assert "Your ratings so far" not in body


def test_the_submitting_browser_still_gets_its_thank_you_page_on_a_repeat(clinic: Clinic) -> None:
    """A double tap, or a resend after the first answer was lost on a bad connection."""
    _checkin, token = issue(clinic)
    phone = HttpClient()
    key = form_key(phone.get(f"/c/{token}/").content.decode())
    phone.post(f"/c/{token}/", good_answers(key))
    phone.cookies.pop("alliance_checkin_done")  # the first answer never arrived
    again = phone.post(f"/c/{token}/", good_answers(key))
    assert again.status_code == 302 and again["Location"] == f"/c/{token}/done/"
    assert phone.get(f"/c/{token}/done/").status_code == 200

"""Opening the check-in form writes only what must be written: the first time, the link's
"opened" state and its audit row; afterwards, nothing (no session row, no state, no audit)."""

from __future__ import annotations

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from tests.conftest import Clinic

from .helpers import issue

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(http: HttpClient, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert http.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith(WRITES)]


def test_the_form_get_writes_the_opened_state_once_and_nothing_else(clinic: Clinic) -> None:
    _request, token = issue(clinic)
    http = HttpClient()
    first = _writes(http, f"/c/{token}/")
    assert len(first) == 2, first
    assert "checkins_checkinrequest" in first[0] and "audit_auditevent" in first[1]
    assert _writes(http, f"/c/{token}/") == []
    assert _writes(HttpClient(), f"/c/{token}/") == []  # another browser: nothing either

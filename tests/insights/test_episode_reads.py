"""The episode page reads its sessions and responses once per view, whichever panels show them,
so its queries do not grow with its sessions; and what is read once per view is read anew on
the next one, so a new rating or session shows at once."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.care.models import SessionStatus
from tests.conftest import Clinic, make_session
from tests.insights.test_alerts import rate


def _view(clinic: Clinic, http) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as captured:
        page = http.get(reverse("care:episode", args=[clinic.episode.pk]))
    assert page.status_code == 200
    return [q["sql"] for q in captured.captured_queries], page.content.decode()


def _reads(queries: list[str], table: str) -> int:
    """Queries that read whole rows of `table` (not counts or single columns of it)."""
    return sum(1 for sql in queries if sql.startswith(f'SELECT "{table}"."id", '))


def test_sessions_and_responses_are_read_once_per_view(clinic: Clinic) -> None:
    for number in range(1, 5):
        rate(clinic.episode, number, 8, therapist=7)
    http = clinic.login("therapist")
    _view(clinic, http)  # first view: anything remembered per process is remembered now
    queries, _page = _view(clinic, http)
    assert _reads(queries, "care_session") == 1
    assert _reads(queries, "checkins_response") == 1
    for number in range(5, 13):
        rate(clinic.episode, number, 6, therapist=7)
    more, _page = _view(clinic, http)
    assert len(more) == len(queries)


def test_a_new_rating_and_a_new_session_show_on_the_next_view(clinic: Clinic) -> None:
    for number in range(1, 4):
        rate(clinic.episode, number, 8)
    http = clinic.login("therapist")
    _queries, page = _view(clinic, http)
    assert "Latest rated session: session 3" in page
    rate(clinic.episode, 4, 3)
    _queries, page = _view(clinic, http)
    assert "Latest rated session: session 4" in page
    assert re.search(r"<td>3\.0</td>", page)  # the score table has the new rating
    make_session(clinic.episode, 5, status=SessionStatus.SCHEDULED)
    _queries, page = _view(clinic, http)
    assert re.search(r">5</a></td>", page)  # the session table has the new session

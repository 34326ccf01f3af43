"""The episode page's session and score tables are written in Python (care's `session_rows`,
insights' `score_rows`) for speed; they write exactly what the template loops they replace
wrote, in every language (numbers localized, text escaped)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from alliance.care.models import SessionStatus
from tests.conftest import Clinic, make_session

SESSION_LOOP = Template(
    "{% load clinic %}{% for s in sessions %}<tr><td><a href=\"{% url 'care:session' s.pk %}\">"
    "{{ s.number }}</a></td><td>{{ s.starts_at|moment }}</td><td>{{ s.duration_minutes }} min"
    "</td><td>{{ s.get_status_display }}</td></tr>{% endfor %}"
)
SESSION_TAG = Template("{% load session_table %}{% session_rows sessions %}")
SCORE_LOOP = Template(
    '{% for row in rows %}<tr>{% for cell in row %}{% if forloop.first %}<th scope="row">'
    "{{ cell }}</th>{% else %}<td>{{ cell }}</td>{% endif %}{% endfor %}</tr>{% endfor %}"
)
SCORE_TAG = Template("{% load score_table %}{% score_rows rows %}")


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_session_rows_are_what_the_template_loop_wrote(clinic: Clinic, language: str) -> None:
    start = timezone.now() - dt.timedelta(days=30)
    for n, status in enumerate(SessionStatus.values, start=2):
        make_session(clinic.episode, n, status=status, starts_at=start + dt.timedelta(days=n))
    make_session(clinic.episode, 9, status="unknown", duration_minutes=1200, starts_at=start)
    sessions = list(clinic.episode.sessions.order_by("number"))
    with translation.override(language):
        expected = SESSION_LOOP.render(Context({"sessions": sessions}))
        assert SESSION_TAG.render(Context({"sessions": sessions})) == expected
        assert SESSION_TAG.render(Context({"sessions": []})) == ""


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_score_rows_are_what_the_template_loop_wrote(language: str) -> None:
    rows = [
        [1, 9.0, "—", 7.5, 12.0],
        [2, 0.3, 10.0, "18.0 (risk item not answered)", 1234.5],
        [10, 2.5, 2.5, "<b>&amp;</b>", 0.0],
    ]
    with translation.override(language):
        expected = SCORE_LOOP.render(Context({"rows": rows}))
        assert SCORE_TAG.render(Context({"rows": rows})) == expected
    assert SCORE_TAG.render(Context({"rows": []})) == ""

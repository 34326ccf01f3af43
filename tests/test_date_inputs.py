"""Staff date inputs in the clinic's date format (alliance/date_inputs.py): a date round-trips
through a form in each style, what people type in the clinic's order is read, a bad date gets a
clear message (never a 500) and stays as typed, and no staff form falls back to the browser's
native date input."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

import alliance
from alliance import dates
from alliance.care.forms import EpisodeDetailsForm, SessionForm
from tests.conftest import Clinic

DAY = dt.date(2026, 10, 22)
# style → (shown in the box, typed in the clinic's order, the hint's order words)
STYLES = {
    "dmy": ("22 Oct 2026", "22/10/2026", "day/month/year"),
    "mdy": ("Oct 22, 2026", "10/22/2026", "month/day/year"),
    "iso": ("2026-10-22", "2026-10-22", "year-month-day"),
}


@pytest.fixture(autouse=True)
def _default_style():
    yield
    dates.activate(dates.DEFAULT_STYLE)


@given(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)), st.sampled_from(sorted(STYLES)))
def test_every_date_reads_back_as_shown_and_as_typed(day, style):
    assert dates.parse_day(dates.format_day(day, style), style) == day
    assert dates.parse_day(day.strftime(dates.INPUT_FORMATS[style][0]), style) == day
    assert dates.parse_day(day.isoformat(), style) == day


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_form_round_trips_a_date_in_each_style(style):
    shown, typed, order = STYLES[style]
    dates.activate(style)
    html = str(EpisodeDetailsForm(initial={"title": "x", "started_on": DAY})["started_on"])
    assert f'value="{shown}"' in html and 'type="text"' in html and 'type="date"' not in html
    assert f'data-date-style="{style}"' in html
    assert 'aria-describedby="id_started_on-format"' in html
    assert f'<span class="date-hint" id="id_started_on-format">{order}, e.g.' in html
    for text in (shown, typed, "2026-10-22", " 22 october 2026 ", "Oct 22, 2026", "22 Oct 2026"):
        form = EpisodeDetailsForm({"title": "x", "started_on": text})
        assert form.is_valid(), (text, form.errors)
        assert form.cleaned_data["started_on"] == DAY


def test_numbers_are_read_in_the_clinics_order_only():
    assert dates.parse_day("03/04/2026", "dmy") == dt.date(2026, 4, 3)
    assert dates.parse_day("03/04/2026", "mdy") == dt.date(2026, 3, 4)
    assert dates.parse_day("22/10/2026", "mdy") is None
    for nonsense in ("31/31/2026", "30 Feb 2026", "22/10/26", "next tuesday", "", "9" * 400):
        assert dates.parse_day(nonsense, "dmy") is None


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_bad_date_gets_a_clear_message_and_stays_as_typed(style):
    shown, typed, order = STYLES[style]
    dates.activate(style)
    form = EpisodeDetailsForm({"title": "x", "started_on": "31/31/2026"})
    assert not form.is_valid()
    assert form.errors["started_on"] == [
        f"This is not a date we can read. Enter it as {order}, e.g. {typed} or {shown}."
    ]
    assert 'value="31/31/2026"' in str(form["started_on"])


def test_the_episode_settings_page_takes_the_clinics_format(clinic: Clinic):
    clinic.org.date_style = "mdy"
    clinic.org.save()
    http = clinic.login("therapist")
    url = reverse("care:episode_edit", args=[clinic.episode.pk])
    bad = http.post(url, {"title": "Kept", "started_on": "22/10/2026"})
    page = bad.content.decode()
    assert bad.status_code == 400
    assert "Enter it as month/day/year, e.g. 10/22/2026 or Oct 22, 2026." in page
    assert 'value="22/10/2026"' in page and 'value="Kept"' in page  # nothing typed is lost
    assert http.post(url, {"title": "Kept", "started_on": "10/22/2026"}).status_code == 302
    clinic.episode.refresh_from_db()
    assert clinic.episode.started_on == DAY
    settings = http.get(reverse("care:episode_settings", args=[clinic.episode.pk])).content
    assert 'value="Oct 22, 2026"' in settings.decode()


def test_a_session_is_entered_as_the_clinics_day_and_a_time_in_its_time_zone(clinic: Clinic):
    clinic.org.time_zone = "America/New_York"
    clinic.org.save()
    http = clinic.login("therapist")
    url = reverse("care:session_create", args=[clinic.episode.pk])
    no_time = http.post(
        url, {"starts_at": "3 Nov 2026", "duration_minutes": "50", "status": "attended"}
    )
    assert no_time.status_code == 400 and "Enter the time, e.g. 14:30." in no_time.content.decode()
    assert 'value="3 Nov 2026"' in no_time.content.decode()
    made = http.post(
        url,
        {
            "starts_at": "3 Nov 2026",
            "starts_at_time": "18:30",
            "duration_minutes": "50",
            "status": "attended",
        },
    )
    assert made.status_code == 302
    session = clinic.episode.sessions.order_by("-pk").first()
    local = timezone.localtime(session.starts_at, zoneinfo.ZoneInfo("America/New_York"))
    assert (local.date(), local.time()) == (dt.date(2026, 11, 3), dt.time(18, 30))
    page = http.get(made["Location"]).content.decode()
    assert 'value="3 Nov 2026"' in page and 'value="18:30"' in page


def test_a_script_may_still_post_one_iso_moment():
    form = SessionForm(
        {"starts_at": "2026-11-01T10:00", "duration_minutes": "50", "status": "attended"}
    )
    assert form.is_valid(), form.errors
    assert timezone.localtime(form.cleaned_data["starts_at"]).hour == 10


def test_no_staff_form_uses_the_browsers_native_date_input():
    root = pathlib.Path(alliance.__file__).parent
    native = re.compile(r"""["']type["']\s*:\s*["'](date|datetime-local)["']""")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and native.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("style", "expected"), [("dmy", "on 22 Oct, session 16"), ("mdy", "on Oct 22, session 16")]
)
def test_alert_texts_name_the_day_in_the_clinics_style(style, expected):
    from alliance.insights import texts

    dates.activate(style)
    moment = dt.datetime(2026, 10, 22, 10, 0, tzinfo=dt.UTC)
    assert texts.when(moment, 16, dt.date(2026, 11, 30), zone=dt.UTC) == expected
    assert texts.when(moment, 16, None, zone=dt.UTC, this_year=2025).startswith(
        "on 22 Oct 2026" if style == "dmy" else "on Oct 22, 2026"
    )

"""Automatic logoff (45 CFR 164.312(a)(2)(iii)): an idle staff session ends by itself."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.conftest import Clinic

pytestmark = pytest.mark.django_db


def test_an_idle_session_is_signed_out_and_each_request_extends_it(clinic: Clinic) -> None:
    assert settings.SESSION_COOKIE_AGE == 15 * 60 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    http = clinic.login("therapist")
    assert http.get("/clients/").status_code == 200
    row = Session.objects.get()
    soon = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((row.expire_date - soon).total_seconds()) < 60  # renewed by the request
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))  # 15 idle min
    response = http.get("/clients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _session_writes(http, path: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert http.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


def test_reading_pages_does_not_write_the_session_every_time(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    for path in ("/clients/", "/", "/clients/"):
        writes = [sql for sql in _session_writes(http, path) if not sql.startswith("SELECT")]
        assert writes == [], path


def test_the_idle_timeout_is_pushed_back_once_a_minute_at_most(clinic: Clinic) -> None:
    from alliance.accounts.middleware import REFRESH_EVERY_SECONDS, REFRESHED_KEY

    http = clinic.login("therapist")
    session = http.session
    session[REFRESHED_KEY] = int(time.time()) - REFRESH_EVERY_SECONDS - 1
    session.save()
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(seconds=30))
    assert any(sql.startswith("UPDATE") for sql in _session_writes(http, "/clients/"))
    row = Session.objects.get()
    soon = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((row.expire_date - soon).total_seconds()) < 60  # pushed back a full period
    # Idle past the period: signed out, however recently the stamp was written.
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = http.get("/clients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

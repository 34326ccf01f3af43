"""Automatic logoff (45 CFR 164.312(a)(2)(iii)): an idle staff session ends by itself."""

from __future__ import annotations

import datetime as dt

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

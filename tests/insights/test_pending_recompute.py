"""No finding is ever lost: a recompute that fails after a stored response is retried until it
succeeds, and a risk answer always ends up as an alert."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings

from alliance.checkins.models import Response
from alliance.insights import pending, recompute, services
from alliance.insights.models import Alert, PendingRecompute
from tests.conftest import Clinic

from .test_alert_model import phq


def _store_risk_answer(clinic: Clinic, capture) -> None:
    from django.db import transaction

    with capture(execute=True), transaction.atomic():
        phq(clinic, 1, 1, item9=2)
        from alliance.checkins.services import refresh_insights

        refresh_insights(clinic.episode)


def _locked(times: int, monkeypatch) -> list[int]:
    """The next `times` recomputes fail as SQLite does under concurrent writers."""
    calls = [0]
    real = services.recompute_episode

    def flaky(episode):
        calls[0] += 1
        if calls[0] <= times:
            raise OperationalError("database is locked")
        return real(episode)

    monkeypatch.setattr(services, "recompute_episode", flaky)
    return calls


@pytest.mark.parametrize("failures", [0, 1, 3])
def test_a_risk_answer_always_ends_up_as_an_alert(
    clinic: Clinic, monkeypatch, django_capture_on_commit_callbacks, failures: int
) -> None:
    _locked(failures, monkeypatch)
    _store_risk_answer(clinic, django_capture_on_commit_callbacks)
    assert Response.objects.filter(instrument_key="phq-9").count() == 1  # the answer is kept
    for _attempt in range(failures):
        assert not Alert.objects.filter(kind="risk").exists()
        marker = PendingRecompute.objects.get(episode=clinic.episode)
        assert "database is locked" in marker.last_error
        pending.process(due_only=False)
    assert Alert.objects.filter(kind="risk", episode=clinic.episode).count() == 1
    assert not PendingRecompute.objects.exists()


def test_the_marker_is_written_with_the_response(clinic, monkeypatch) -> None:
    """Even when nothing runs after the commit (the process died), the marker is there."""
    from django.db import transaction

    from alliance.checkins.services import refresh_insights

    with transaction.atomic():
        phq(clinic, 1, 1, item9=1)
        refresh_insights(clinic.episode)
    assert PendingRecompute.objects.filter(episode=clinic.episode).exists()
    out = StringIO()
    call_command("insights", "recompute", "--pending", stdout=out)
    assert "1 pending recomputes done" in out.getvalue()
    assert Alert.objects.filter(kind="risk").exists()


@override_settings(RETRY_PENDING_ON_REQUEST=True)
def test_the_next_request_retries_what_is_pending(clinic, monkeypatch) -> None:
    from django.db import transaction

    from alliance.checkins.services import refresh_insights

    with transaction.atomic():
        phq(clinic, 1, 1, item9=1)
        refresh_insights(clinic.episode)
    monkeypatch.setattr(recompute, "_next_look", 0.0)
    clinic.login("therapist").get("/")
    assert Alert.objects.filter(kind="risk").exists()
    assert not PendingRecompute.objects.exists()


def test_backoff_grows_and_is_capped(clinic, monkeypatch) -> None:
    _locked(20, monkeypatch)
    pending.mark(clinic.episode.pk)
    for _ in range(12):
        pending.process(due_only=False)
    marker = PendingRecompute.objects.get()
    assert marker.attempts == 12
    assert (marker.next_try_at - marker.requested_at) <= pending.MAX_BACKOFF * 2


def test_sqlite_is_set_up_for_concurrent_writers(tmp_path) -> None:
    """WAL, a busy timeout and immediate transactions, checked on a real file database."""
    import subprocess
    import sys

    code = (
        "import django, os; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); "
        "print(connection.settings_dict['OPTIONS'].get('transaction_mode')); "
        "print(connection.settings_dict['OPTIONS'].get('timeout'))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
        "ALLIANCE_ENV": "development",
        "ALLIANCE_DATA_DIR": str(tmp_path),
        "ALLIANCE_SECRET_KEY": "x" * 60,
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["wal", "IMMEDIATE", "20"]

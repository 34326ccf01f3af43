"""A server error on a client link (e.g. while the database restarts) is logged without the link's
token: found by the load and fault test (bench/bench_faults.py)."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from alliance.log_privacy import MaskTokens
from tests.conftest import Clinic

TOKEN = "SECRETtoken1234567890abcdefghijklmnopqrstuvw"


def configured_handler() -> logging.Handler:
    # The handler settings.LOGGING gives the root logger (pytest adds its own beside it).
    return next(
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskTokens) for f in h.filters)
    )


def test_djangos_internal_server_error_line_does_not_carry_the_token() -> None:
    try:
        raise RuntimeError(f"failed while serving /c/{TOKEN}/")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "%s: %s",
        ("Internal Server Error", f"/c/{TOKEN}/done/"),
        exc_info,
    )
    handler = configured_handler()

    assert handler.filter(record)
    written = handler.format(record)

    assert TOKEN not in written
    assert "Internal Server Error: /c/…/done/" in written
    assert "failed while serving /c/…/" in written


def test_other_paths_are_logged_as_they_are() -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/clients/3/",), None
    )

    assert configured_handler().filter(record)
    assert record.getMessage() == "Not Found: /clients/3/"


def test_a_log_call_with_the_wrong_arguments_is_logged_not_raised() -> None:
    record = logging.LogRecord(
        "alliance", logging.ERROR, __file__, 1, "failed %s on %s", (f"/c/{TOKEN}/",), None
    )
    handler = configured_handler()

    assert handler.filter(record)
    written = handler.format(record)

    assert TOKEN not in written
    assert "failed %s on %s" in written and "/c/…" in written


@pytest.mark.django_db
def test_a_refused_request_is_logged_in_one_line_without_a_traceback(clinic: Clinic) -> None:
    """Issue 14, finding 9: Django 5.2 attaches the PermissionDenied to its "Forbidden" line, and a
    traceback per refusal floods the log and shows code paths to whoever reads it."""
    handler = configured_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        # The supervisor may read Tess's episode but not change it: PermissionDenied in the view.
        response = clinic.login("supervisor").post(f"/episodes/{clinic.episode.pk}/edit/")
    finally:
        handler.setStream(previous)
    assert response.status_code == 403
    written = stream.getvalue()
    assert f"Forbidden (Permission denied): /episodes/{clinic.episode.pk}/edit/" in written
    assert "Traceback" not in written and "PermissionDenied" not in written


def test_a_server_error_keeps_its_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        ("/x/",),
        exc_info,
    )
    record.status_code = 500
    for log_filter in logging.getLogger("django.request").filters:
        assert log_filter.filter(record)
    assert "Traceback" in configured_handler().format(record)

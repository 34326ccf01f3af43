"""A server error on a client link (e.g. while the database restarts) is logged without the link's
token: found by the load and fault test (bench/bench_faults.py)."""

from __future__ import annotations

import logging
import sys

from alliance.log_privacy import MaskTokens

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

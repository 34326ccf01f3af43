"""Check-in tokens never reach a log: `/c/<token>/...` is written as `/c/…/...`.

A client link's path is its secret. Client pages mark their 4xx replies as already logged, and
gunicorn's access log masks the path (alliance.gunicorn_logging), but an unexpected 500 on a
client page is still logged by Django ("Internal Server Error: /c/<token>/"), e.g. while the
database restarts. This filter sits on the log handler, so it covers every logger.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/c/[^/\s?\"']+")


def mask(text: str) -> str:
    return TOKEN_IN_PATH.sub("/c/…", text)


class MaskTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A log call whose arguments do not fit its format: logging would report that on
            # stderr and carry on, but from a filter the error would reach the code that logged
            # (a 500 instead of a log line). Keep both parts, masked.
            message = f"{record.msg} {record.args!r}"
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class NoTracebackForRefusals(logging.Filter):
    """A refused request (403, 400) is an answer, not a fault: one line, no traceback.

    Django 5.2 attaches the PermissionDenied or SuspiciousOperation to its "Forbidden" and "Bad
    request" lines; a traceback per refusal would flood the log whenever someone probes, and
    show code paths to whoever reads it. Server errors (5xx) keep theirs. On the django.request
    and django.security loggers, so every handler an operator adds gets the same records.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True

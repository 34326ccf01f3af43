"""Text messages through a pluggable backend, the way Django sends email.

`settings.SMS_BACKEND` names a class with one method, `send(to, text) -> str` (an id from the
gateway, or ""), which raises `SmsError` when the message was not accepted. Alliance ships:

- `ConsoleSmsBackend` (the default): writes the message to the log, for development and demos;
- `MemorySmsBackend`: keeps messages in `MemorySmsBackend.outbox`, for tests;
- `HttpGatewaySmsBackend`: an example for any HTTP gateway that takes a JSON POST. Most
  gateways differ only in the field names and the auth header; subclass it and override
  `payload` and `headers` for yours (docs/checkins.md shows how). No vendor is built in.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message was not accepted; the job that sent it is tried again later."""


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> str: ...


def backend() -> SmsBackend:
    cls = import_string(settings.SMS_BACKEND)
    return cls()  # type: ignore[no-any-return]


def send(to: str, text: str) -> str:
    return backend().send(to, text)


# The token in a check-in link (/c/<token>/): a key to a client's form, never written to a log.
_LINK_TOKEN = re.compile(r"(/c/)[A-Za-z0-9_-]+")


def masked(text: str) -> str:
    return _LINK_TOKEN.sub(r"\1***", text)


class ConsoleSmsBackend:
    """Writes each message to the log (like Django's console email backend), with the link's
    token and most of the number masked: logs are kept and read more widely than messages."""

    def send(self, to: str, text: str) -> str:
        logger.warning("SMS to ***%s:\n%s", to[-3:], masked(text))
        return ""


class MemorySmsBackend:
    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, to: str, text: str) -> str:
        self.outbox.append({"to": to, "text": text})
        return str(len(self.outbox))


class HttpGatewaySmsBackend:
    """POST {"to": …, "text": …, "from": …} as JSON to `SMS_GATEWAY_URL` with
    `Authorization: Bearer SMS_GATEWAY_TOKEN`; any 2xx answer is success, and a JSON answer's
    "id" is kept. A timeout, a network error or any other status raises SmsError."""

    timeout_seconds = 10

    def payload(self, to: str, text: str) -> dict[str, Any]:
        return {"to": to, "text": text, "from": settings.SMS_SENDER}

    def headers(self) -> dict[str, str]:
        found = {"Content-Type": "application/json", "Accept": "application/json"}
        if settings.SMS_GATEWAY_TOKEN:
            found["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
        return found

    def send(self, to: str, text: str) -> str:
        if not settings.SMS_GATEWAY_URL:
            raise SmsError("ALLIANCE_SMS_GATEWAY_URL is not set")
        body = json.dumps(self.payload(to, text)).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the operator's own gateway URL
            settings.SMS_GATEWAY_URL, data=body, headers=self.headers(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as answer:  # noqa: S310
                raw = answer.read(65536)
        except (urllib.error.URLError, OSError) as failed:
            # The message text holds the link: never put it in the error.
            raise SmsError(f"the SMS gateway did not accept the message: {failed}") from None
        try:
            return str(json.loads(raw or b"{}").get("id", ""))
        except (ValueError, AttributeError):
            return ""

"""The example HTTP SMS gateway backend against a real local HTTP server, and the pure timing
rules (evening before, quiet hours across midnight, pulse slots)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import zoneinfo
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from alliance.checkins import sms, timing

LONDON = zoneinfo.ZoneInfo("Europe/London")


class Gateway(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # http.server's name
        length = int(self.headers["Content-Length"])
        Gateway.received.append(
            {"auth": self.headers["Authorization"], "body": json.loads(self.rfile.read(length))}
        )
        self.send_response(Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "msg-42"}')

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any) -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/messages"
    settings.SMS_GATEWAY_TOKEN = "secret-token"
    settings.SMS_BACKEND = "alliance.checkins.sms.HttpGatewaySmsBackend"
    Gateway.received.clear()
    Gateway.status = 200
    yield server
    server.shutdown()


def test_the_http_gateway_backend_posts_json_with_a_bearer_token(gateway: Any) -> None:
    assert sms.send("+44 7700 900123", "Northside: a link") == "msg-42"
    [got] = Gateway.received
    assert got["auth"] == "Bearer secret-token"
    assert got["body"] == {"to": "+44 7700 900123", "text": "Northside: a link", "from": "Alliance"}


def test_a_refusing_gateway_raises_without_the_message(gateway: Any) -> None:
    Gateway.status = 503
    with pytest.raises(sms.SmsError) as failed:
        sms.send("+44 7700 900123", "https://example.test/c/secret-token-in-link/")
    assert "secret-token-in-link" not in str(failed.value)


def test_without_a_gateway_address_nothing_pretends_to_be_sent(settings: Any) -> None:
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(sms.SmsError):
        sms.HttpGatewaySmsBackend().send("+1", "x")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


def test_quiet_hours_across_midnight() -> None:
    quiet = timing.QuietHours(dt.time(21), dt.time(8))
    assert quiet.after(at(10, 20, 59)) == at(10, 20, 59)
    assert quiet.after(at(10, 21, 30)) == at(11, 8)
    assert quiet.after(at(11, 6)) == at(11, 8)
    assert not quiet.contains(at(11, 8))
    assert timing.QuietHours(dt.time(8), dt.time(8)).after(at(11, 3)) == at(11, 3)


def test_quiet_hours_end_on_the_clinic_clock_across_the_clock_change() -> None:
    # Europe/London moves to summer time on 29 March 2026 at 01:00.
    quiet = timing.QuietHours(dt.time(21), dt.time(8))
    ends = quiet.after(at(28, 23))
    assert ends == at(29, 8) and ends.utcoffset() == dt.timedelta(hours=1)


def test_the_pre_session_link_goes_the_evening_before_unless_it_is_too_late() -> None:
    start = at(12, 14)
    assert timing.evening_before(start) == at(11, 18)
    assert timing.pre_session_due(start, at(11, 9)) == at(11, 18)
    assert timing.pre_session_due(start, at(12, 12, 30)) is None


def test_pulse_slots_every_n_days_only_the_latest_and_not_just_before_a_session() -> None:
    end = at(2, 15)
    assert timing.pulse_due(end, 7, at(8, 15), None) is None
    slot = timing.pulse_due(end, 7, at(9, 15, 5), None)
    assert slot == timing.PulseSlot(1, at(9, 15))
    assert timing.pulse_due(end, 7, at(10, 15), None) is None  # a missed pulse is not sent late
    assert timing.pulse_due(end, 7, at(9, 15, 5), at(10, 9)) is None  # the session asks anyway
    assert timing.pulse_due(end, 0, at(9, 15, 5), None) is None
    assert timing.next_pulse(end, 7, at(9, 16)) == at(16, 15)

"""Production refuses to start with unsafe settings, and says why."""

from __future__ import annotations

import os
import subprocess
import sys

SAFE = {
    "ALLIANCE_ENV": "production",
    "ALLIANCE_SECRET_KEY": "x" * 50,
    "ALLIANCE_DEBUG": "false",
    "ALLIANCE_SITE_URL": "https://alliance.clinic.example",
}


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import alliance.settings as s; print('ok', s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=False,
    )


def test_production_with_safe_settings_starts() -> None:
    result = load_settings(**SAFE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "True", "31536000"]


def test_production_refuses_default_secret_key() -> None:
    result = load_settings(**{**SAFE, "ALLIANCE_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "ALLIANCE_SECRET_KEY is the default" in result.stderr


def test_production_refuses_debug() -> None:
    result = load_settings(**{**SAFE, "ALLIANCE_DEBUG": "true"})
    assert "ALLIANCE_DEBUG is on" in result.stderr


def test_production_refuses_insecure_cookies() -> None:
    result = load_settings(**{**SAFE, "ALLIANCE_SECURE_COOKIES": "false"})
    assert "ALLIANCE_SECURE_COOKIES is off" in result.stderr


def test_malformed_variables_are_named() -> None:
    result = load_settings(ALLIANCE_DEBUG="maybe")
    assert "ALLIANCE_DEBUG must be true or false" in result.stderr
    result = load_settings(ALLIANCE_IDLE_LOGOUT_SECONDS="soon")
    assert "ALLIANCE_IDLE_LOGOUT_SECONDS must be a whole number" in result.stderr


def test_production_refuses_plain_http_links() -> None:
    result = load_settings(**{**SAFE, "ALLIANCE_SITE_URL": "http://alliance.clinic.example"})
    assert "ALLIANCE_SITE_URL is not https://" in result.stderr


def test_served_access_log_masks_check_in_tokens() -> None:
    from alliance.gunicorn_logging import mask

    assert mask("GET /c/SECRETtoken123/done/ HTTP/1.1") == "GET /c/…/done/ HTTP/1.1"
    assert mask("/clients/3/") == "/clients/3/"

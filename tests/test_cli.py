"""The `alliance` command line: demo, serve, migrate, createadmin, each with --help."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from alliance import demo
from alliance.accounts.models import Membership, User
from alliance.care.models import CareEpisode


@pytest.mark.parametrize("command", ["demo", "serve", "migrate", "createadmin"])
def test_each_command_has_help(command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alliance.cli", command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: alliance " + command in result.stdout


def test_serve_uses_gunicorn_not_runserver() -> None:
    out = StringIO()
    call_command("serve", "--dry-run", stdout=out)
    assert out.getvalue().startswith("gunicorn alliance.wsgi:application --bind 127.0.0.1:8000")


def test_createadmin_creates_organization_and_admin(db: None) -> None:
    call_command(
        "createadmin",
        "--email",
        "Boss@Clinic.test",
        "--organization",
        "My Clinic",
        "--password",
        "a-long-enough-password",
        stdout=StringIO(),
    )
    user = User.objects.get(email="boss@clinic.test")
    assert Membership.objects.get(user=user).role == "admin"


def test_createadmin_refuses_weak_password(db: None) -> None:
    with pytest.raises(CommandError, match="Password refused"):
        call_command(
            "createadmin",
            "--email",
            "b@c.test",
            "--organization",
            "X",
            "--password",
            "123",
            stdout=StringIO(),
        )
    assert not User.objects.exists()


def test_demo_loads_once_and_prints_logins(db: None) -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    assert "tess@northside.example.org" in out.getvalue()
    assert demo.DEMO_PASSWORD in out.getvalue()
    episodes = CareEpisode.objects.count()
    assert episodes >= 20
    call_command("demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert CareEpisode.objects.count() == episodes


def test_serve_loads_the_application_once_for_all_workers() -> None:
    out = StringIO()
    call_command("serve", "--dry-run", stdout=out)
    assert "--preload" in out.getvalue().split()

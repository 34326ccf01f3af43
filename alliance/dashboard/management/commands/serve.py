"""Serve Alliance with gunicorn and WhiteNoise, as in production; never Django's runserver."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Collect static files and serve the product with gunicorn."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("ALLIANCE_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("ALLIANCE_WORKERS", "3"))
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the command only.")

    def handle(self, *args: Any, **options: Any) -> None:
        command = [
            "gunicorn",
            "alliance.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            # Check-in tokens never reach the access log.
            "--logger-class",
            "alliance.gunicorn_logging.MaskedLogger",
            "--forwarded-allow-ips",
            os.environ.get("ALLIANCE_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            "--graceful-timeout",
            "20",
        ]
        if options["dry_run"]:
            self.stdout.write(" ".join(command))
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Serving Alliance on http://{options['bind']}/ (Ctrl+C stops it)")
        self.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
        # The gunicorn installed beside this Python (the project's virtual environment).
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        os.execv(gunicorn, command)  # noqa: S606 - a fixed program with our own arguments

"""Serve Alliance with gunicorn and WhiteNoise, as in production; never Django's runserver.

By default a background worker (`alliance worker`) runs beside the web server as a child
process, so one command serves everything and Ctrl+C stops both. A clinic that runs its
workers separately (docs/deployment.md) starts the web servers with --no-worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a background worker beside the web server.",
        )

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
            # The application is loaded (and its long-lived objects frozen, alliance/wsgi.py)
            # once in the master, then shared by the forked workers: four workers took 289 MB
            # of memory (PSS) instead of 719 MB (docs/performance.md). No database connection
            # is opened while loading, so none is shared between workers.
            "--preload",
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
        if options["no_worker"]:
            os.execv(gunicorn, command)  # noqa: S606 - a fixed program with our own arguments
        self._serve_with_worker([gunicorn, *command[1:]])

    def _serve_with_worker(self, server_command: list[str]) -> None:
        """Run gunicorn and one worker; when either stops, or on Ctrl+C/SIGTERM, stop both."""
        worker_command = [sys.executable, "-m", "alliance.cli", "worker"]
        children = [
            subprocess.Popen(server_command),  # noqa: S603 - fixed programs, our own arguments
            subprocess.Popen(worker_command),  # noqa: S603
        ]
        self.stdout.write("Background worker started beside the web server.")
        self.stdout.flush()

        def stop(signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()

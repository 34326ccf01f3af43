"""`alliance worker`: run background jobs and the installation's periodic work."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from alliance.jobs.worker import ScheduledWorker


class Command(BaseCommand):
    help = (
        "Run background jobs from the database queue, and the periodic work (reminders, link "
        "expiry, webhook deliveries …), until stopped (Ctrl+C or SIGTERM finish the running job "
        "first). Run as many as you like, on any machine that reaches the database: each job "
        "and each periodic slot runs on one of them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks when idle."
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued now, then exit."
        )
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument(
            "--worker-id", default=None, help="Unique per worker (default: random)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._log_level(options["verbosity"])
        worker = ScheduledWorker(
            queue_names=["*"],
            interval=max(0.0, options["interval"]),
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=(options["worker_id"] or get_random_string(32))[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

    def _log_level(self, verbosity: int) -> None:
        """What the worker does goes to the console handler of the root logger (settings). By
        default: its start, jobs taken over from dead workers, and every failure (a line per
        job that went well, every few seconds, would drown them); -v 2 shows every job."""
        ours = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        theirs = {0: logging.WARNING, 1: logging.WARNING, 2: logging.INFO}.get(
            verbosity, logging.DEBUG
        )
        logging.getLogger("alliance.jobs").setLevel(ours)
        for name in ("django_tasks", "django_tasks_db"):
            logging.getLogger(name).setLevel(theirs)

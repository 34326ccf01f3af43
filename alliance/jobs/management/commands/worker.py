"""`alliance worker`: run background jobs (the tasks framework's database worker)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from alliance.jobs.runner import recover_stale


class Command(BaseCommand):
    help = (
        "Run background jobs from the database queue until stopped (Ctrl+C or SIGTERM finish "
        "the running job first). Run as many as you like, on any machine that reaches the "
        "database."
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
        recovered = recover_stale()
        if recovered:
            self.stdout.write(f"{recovered} job(s) left running by a stopped worker queued again.")
        forwarded = ["--queue-name", "*", "--interval", str(options["interval"]), "--no-reload"]
        if options["batch"]:
            forwarded.append("--batch")
        if options["max_tasks"]:
            forwarded += ["--max-tasks", str(options["max_tasks"])]
        if options["worker_id"]:
            forwarded += ["--worker-id", options["worker_id"]]
        call_command("db_worker", *forwarded, verbosity=options["verbosity"])

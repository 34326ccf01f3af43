"""Alert webhooks are sent by the background worker (`alliance worker`, docs/api.md).

`deliver` remains for scripts written for the old delivery loop: it queues deliveries for the
alerts raised since the last scan, and the worker sends them; it no longer sends anything
itself, so no cron line or second process is needed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from alliance.api import webhooks
from alliance.audit import context


class Command(BaseCommand):
    help = "Webhooks: 'deliver' queues deliveries for new alerts now (the worker sends them)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="Queue deliveries for new alerts, then exit.")
        deliver.add_argument("--once", action="store_true", help="Accepted; always one pass.")
        deliver.add_argument("--interval", type=float, default=5.0, help="Ignored.")

    def handle(self, *args: Any, **options: Any) -> None:
        acting = context.ActingContext(request_id=context.new_request_id(), source="task")
        with context.acting(acting):
            queued = webhooks.queue_new_deliveries()
        self.stdout.write(
            f"queued {queued}; `alliance worker` sends them (the worker also finds new alerts "
            "by itself every 15 seconds, so this command is no longer needed)."
        )

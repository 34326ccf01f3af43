"""Deliver alert webhooks: find new alerts, sign and post them, retry failures with backoff.

Run it beside the app server (`alliance webhooks deliver`), or from cron with --once. Several
workers may run: each claims deliveries with SELECT … FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from alliance.api import webhooks
from alliance.audit import context


class Command(BaseCommand):
    help = "Webhooks: 'deliver' enqueues new alert events and sends due deliveries."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="Send due deliveries (a worker loop).")
        deliver.add_argument("--once", action="store_true", help="One pass, then exit.")
        deliver.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between passes (default 5)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        acting = context.ActingContext(request_id=context.new_request_id(), source="task")
        with context.acting(acting):
            while True:
                queued = webhooks.enqueue_new_alerts()
                sent = webhooks.deliver_due()
                if queued or sent or options["once"]:
                    self.stdout.write(f"queued {queued}, attempted {sent}")
                if options["once"]:
                    return
                time.sleep(max(0.5, options["interval"]))

"""Recompute alerts from every response of an organization (or all of them).

Needed after thresholds change, after importing history, or to check that the alerts on screen
are what the rules say. New alerts are added and active ones refreshed; nothing is deleted.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from alliance.accounts.models import Organization
from alliance.audit import context
from alliance.insights import service


class Command(BaseCommand):
    help = "Insights: 'recompute' runs the alert rules over whole organizations."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        recompute = sub.add_parser("recompute", help="Run the alert rules over all history.")
        recompute.add_argument("--organization", help="Slug of one organization (default: all).")
        recompute.add_argument(
            "--pending",
            action="store_true",
            help="Only the episodes whose recompute after a check-in failed and is waiting "
            "for a retry (run from cron or the worker).",
        )
        recompute.add_argument(
            "--dry-run",
            action="store_true",
            help="Run the rules and report, then roll everything back.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("pending"):
            self._pending(dry_run=options["dry_run"])
            return
        organizations = Organization.objects.all()
        if options.get("organization"):
            organizations = organizations.filter(slug=options["organization"])
            if not organizations.exists():
                raise CommandError(f"No organization with the slug {options['organization']!r}.")
        with (
            context.acting(
                context.ActingContext(request_id=context.new_request_id(), source="cli")
            ),
            transaction.atomic(),
        ):
            for organization in organizations:
                started = time.perf_counter()
                totals = service.recompute_organization(organization)
                self.stdout.write(
                    f"{organization.slug}: {totals['episodes']} episodes, "
                    f"{totals['responses']} responses, {totals['new_alerts']} new alerts "
                    f"in {time.perf_counter() - started:.1f} s"
                )
            if options["dry_run"]:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was saved.")

    def _pending(self, *, dry_run: bool) -> None:
        from alliance.insights import pending
        from alliance.insights.models import PendingRecompute

        waiting = PendingRecompute.objects.count()
        if dry_run:
            self.stdout.write(f"{waiting} episodes wait for a recompute. Dry run: nothing done.")
            return
        with context.acting(
            context.ActingContext(request_id=context.new_request_id(), source="cli")
        ):
            result = pending.process(limit=waiting or 1, due_only=False)
        self.stdout.write(
            f"{result['done']} pending recomputes done, {result['failed']} failed "
            "(they stay pending and are retried)."
        )

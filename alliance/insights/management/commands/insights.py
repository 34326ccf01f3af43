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
            "--dry-run",
            action="store_true",
            help="Run the rules and report, then roll everything back.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
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

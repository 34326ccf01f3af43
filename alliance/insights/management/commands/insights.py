"""Recompute alerts from every response of an organization (or all of them); learn expected
recovery curves from an organization's finished episodes.

`recompute` is needed after thresholds change, after importing history, or to check that the
alerts on screen are what the rules say. New alerts are added and active ones refreshed; nothing
is deleted. `fit-curves` exists because the default curves are a published starting point: once
a clinic has enough finished episodes (300, with 30 per intake band at session 2), its own
clients say better what "on track" means there; the same run learns the clinic's typical early
alliance (what its clients rate at each of their first sessions), which the weak early alliance
finding compares with. Each fit is stored as a new version.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from alliance.accounts.models import Organization
from alliance.audit import context
from alliance.insights import pending, recovery, services
from alliance.insights.models import PendingRecompute


class Command(BaseCommand):
    help = (
        "Insights: 'recompute' runs the alert rules over whole organizations; 'fit-curves' "
        "learns expected recovery curves and the typical early alliance from finished episodes."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        recompute = sub.add_parser("recompute", help="Run the alert rules over all history.")
        recompute.add_argument("--organization", help="Slug of one organization (default: all).")
        recompute.add_argument(
            "--pending",
            action="store_true",
            help="Only the episodes whose recompute after a check-in failed and is waiting "
            "for a retry (the worker also does this every minute).",
        )
        recompute.add_argument(
            "--dry-run",
            action="store_true",
            help="Run the rules and report, then roll everything back.",
        )
        fit = sub.add_parser(
            "fit-curves",
            help="Learn recovery curves and the typical early alliance from finished episodes.",
        )
        fit.add_argument("--organization", help="Slug of one organization (default: all).")
        fit.add_argument("--min-episodes", type=int, default=300)
        fit.add_argument("--min-per-cell", type=int, default=30)
        fit.add_argument("--dry-run", action="store_true", help="Fit and report; store nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("pending"):
            self._pending(dry_run=options["dry_run"])
            return
        organizations = Organization.objects.all()
        if options.get("organization"):
            organizations = organizations.filter(slug=options["organization"])
            if not organizations.exists():
                raise CommandError(f"No organization with the slug {options['organization']!r}.")
        if options["action"] == "fit-curves":
            self._fit_curves(organizations, options)
            return
        with (
            context.acting(
                context.ActingContext(request_id=context.new_request_id(), source="cli")
            ),
            transaction.atomic(),
        ):
            for organization in organizations:
                started = time.perf_counter()
                totals = services.recompute_organization(organization)
                self.stdout.write(
                    f"{organization.slug}: {totals['episodes']} episodes, "
                    f"{totals['responses']} responses, {totals['new_alerts']} new alerts "
                    f"in {time.perf_counter() - started:.1f} s"
                )
            if options["dry_run"]:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was saved.")

    def _fit_curves(self, organizations: Any, options: dict[str, Any]) -> None:
        for organization in organizations:
            report = recovery.fit_organization(
                organization,
                min_episodes=options["min_episodes"],
                min_per_cell=options["min_per_cell"],
                save=not options["dry_run"],
            )
            for measure, curve in report.fitted.items():
                notes = ", ".join(f"{k} {v:.3g}" for k, v in curve.diagnostics.items())
                self.stdout.write(f"{organization.slug}: {measure} fitted ({notes})")
            if report.alliance is not None:
                notes = ", ".join(f"{k} {v:.3g}" for k, v in report.alliance.diagnostics.items())
                self.stdout.write(f"{organization.slug}: typical early alliance fitted ({notes})")
            for measure, why in report.refused.items():
                self.stdout.write(f"{organization.slug}: {measure} keeps its curve: {why}")
            if report.fit is not None:
                self.stdout.write(f"{organization.slug}: stored as version {report.fit.version}")
            elif options["dry_run"] and report.fitted:
                self.stdout.write("Dry run: nothing was saved.")

    def _pending(self, *, dry_run: bool) -> None:
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

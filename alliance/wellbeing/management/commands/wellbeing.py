"""Email the wellbeing self-check reminders that are due.

Exists for a look by hand (`--dry-run`) and for sending at once: the background worker already
sends due reminders every hour by itself (wellbeing/jobs.py, docs/wellbeing.md). Each person
gets one reminder when the check is due and one per chosen interval while it stays undone;
each send is recorded, so running the command twice on the same day sends nothing the second
time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from alliance.audit import context
from alliance.wellbeing import reminders


class Command(BaseCommand):
    help = "Wellbeing: 'remind' emails the self-check reminders that are due."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="Email the self-check reminders that are due.")
        remind.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would be reminded; send and record nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with context.acting(
            context.ActingContext(request_id=context.new_request_id(), source="cli")
        ):
            due = reminders.reminders_to_send()
            sent = failed = 0
            for reminder in due:
                email = reminder.row.person.email
                if options["dry_run"]:
                    self.stdout.write(f"would remind {email} (due {reminder.due_on})")
                    continue
                # Each send is its own transaction: one bad address must not undo the others.
                try:
                    sent += reminders.send(reminder)
                except OSError as error:
                    failed += 1
                    self.stderr.write(f"could not email {email}: {error}")
            if options["dry_run"]:
                self.stdout.write(f"Dry run: {len(due)} reminder(s) due; nothing was sent.")
            else:
                self.stdout.write(f"{sent} reminder(s) sent, {failed} failed.")
        if failed:
            # A non-zero exit tells whoever ran it.
            raise CommandError(f"{failed} reminder(s) could not be sent; they will be tried again.")

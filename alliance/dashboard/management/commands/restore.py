"""Replace the whole database with a backup made by `alliance backup`. Stop the app first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from alliance.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database from FILE, replacing everything in it. Stop the servers first."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="A backup written by 'alliance backup'.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check that the file exists and say what would happen.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.exists():
            raise CommandError(f"No backup at {source}.")
        if options["dry_run"]:
            self.stdout.write(f"Would replace the whole database with {source}.")
            return
        if (
            not options["yes"]
            and input(
                "This replaces every table of the database. Type 'restore' to go on: "
            ).strip()
            != "restore"
        ):
            raise CommandError("Nothing restored.")
        try:
            restore(source)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored from {source}"))

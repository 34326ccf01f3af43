"""Back up the whole database to one file, while the app keeps running.

SQLite: the online backup API (a consistent copy). PostgreSQL: pg_dump's custom format.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alliance.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a backup of the database to FILE (default: a dated file in the data folder)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", help="Where to write the backup.")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        default = Path(settings.DATA_DIR) / "backups" / f"alliance-{stamp}.backup"
        target = Path(options["file"]) if options["file"] else default
        try:
            written = backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written to {written}"))

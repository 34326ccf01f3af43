"""Write the de-identified research dataset of one organization (docs/research-export.md).

For researchers and for organizations too large for the export page: prints progress as it
reads responses. Read-only, so there is nothing to roll back; --dry-run counts and stops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from alliance.accounts.models import Organization
from alliance.api import export
from alliance.audit import context, trail
from alliance.audit.models import Action
from alliance.checkins.models import Response


class Command(BaseCommand):
    help = "Export a de-identified research dataset (CSV and/or Parquet) with a data dictionary."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", required=True, help="Slug of the organization.")
        parser.add_argument("--out", required=True, help="Folder to write the export folder into.")
        parser.add_argument(
            "--format", default="csv,parquet", help="csv, parquet or both (default: csv,parquet)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count responses and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(f"No organization with the slug {options['organization']!r}.")
        formats = tuple(f.strip() for f in options["format"].split(",") if f.strip())
        if not formats or set(formats) - set(export.FORMATS):
            raise CommandError("--format takes csv, parquet or csv,parquet.")
        if options["dry_run"]:
            count = Response.objects.filter(session__episode__organization=org).count()
            self.stdout.write(f"{org.slug}: {count} responses would be exported.")
            return
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        acting = context.ActingContext(
            request_id=context.new_request_id(), source="cli", organization=org
        )
        with context.acting(acting):
            result = export.write(org, out, formats, progress=self._progress)
            trail.record(
                Action.EXPORT,
                object_type="api.research_export",
                object_label=f"research export ({result.rows} rows)",
                organization=org,
                after={"rows": result.rows, "formats": list(formats)},
            )
        self.stdout.write(f"Wrote {result.rows} rows to {result.directory}")
        for path in result.files:
            self.stdout.write(f"  {path.name}")

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  read {done} of {total} responses")

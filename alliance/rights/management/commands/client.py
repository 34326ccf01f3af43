"""A client's data rights from the command line, for the operator (docs/security.md).

`alliance client export --client 42 --organization northside --out client-42.zip` writes the
same ZIP as the client page. `alliance client erase --client 42 --organization northside
--code C-1042` erases them (the code is asked for, as on the page; --dry-run only counts). Both
are audited with the command line as the actor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError, RestrictedError

from alliance.accounts.models import Organization
from alliance.audit import context, trail
from alliance.audit.models import Action
from alliance.care.models import Client
from alliance.converters import parse_id
from alliance.rights import erasure, export


class Command(BaseCommand):
    help = "Export everything about one client as a ZIP, or erase the client."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        for name, about in (("export", "write the ZIP"), ("erase", "erase the client")):
            sub = actions.add_parser(name, help=about)
            sub.add_argument("--client", required=True, help="The client's id.")
            sub.add_argument("--organization", required=True, help="Slug of the organization.")
            if name == "export":
                sub.add_argument("--out", required=True, help="The ZIP file to write.")
            else:
                sub.add_argument("--code", required=True, help="The client's code, to confirm.")
                sub.add_argument("--dry-run", action="store_true", help="Count and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(f"No organization with the slug {options['organization']!r}.")
        pk = parse_id(options["client"])
        client = Client.objects.filter(organization=org, pk=pk or 0).first()
        if client is None:
            raise CommandError(f"No client {options['client']!r} in {org.slug}.")
        acting = context.ActingContext(
            request_id=context.new_request_id(), source="cli", organization=org
        )
        with context.acting(acting):
            if options["action"] == "export":
                self._export(client, Path(options["out"]))
            else:
                self._erase(client, options["code"], dry_run=options["dry_run"])

    def _export(self, client: Client, out: Path) -> None:
        bundle = export.build(client)
        try:
            out.write_bytes(bundle.zip_bytes())
        except OSError as exc:
            raise CommandError(f"Could not write {out}: {exc}") from None
        trail.record(
            Action.EXPORT, client, after={"format": "client-export-zip", **bundle.counts()}
        )
        self.stdout.write(f"Wrote {out} ({sum(bundle.counts().values())} rows in CSV files).")

    def _erase(self, client: Client, code: str, *, dry_run: bool) -> None:
        if code != client.code:
            raise CommandError("That is not this client's code. Nothing has been deleted.")
        counts = erasure.plan(client).counts
        if dry_run:
            for label, count in counts.items():
                self.stdout.write(f"  {count:6d} {label}")
            self.stdout.write("Dry run: nothing deleted.")
            return
        try:
            result = erasure.erase(client)
        except (ProtectedError, RestrictedError) as exc:
            raise CommandError(f"Other records still refer to the client: {exc}") from None
        for label, count in result.counts.items():
            self.stdout.write(f"  {count:6d} {label}")
        self.stdout.write(
            f"Erased; {result.audit_events_redacted} audit events redacted; "
            f"recorded as {result.tombstone}."
        )

"""`alliance instruments import FILE` / `alliance instruments list`.

Why it exists: a clinic licensed to use an instrument (WAI-SR, SRS, ...) loads its definition
file without code changes. A bare FHIR Questionnaire, as publishers ship it, is accepted too: its
scoring section is inferred (alliance.measures.bare) and shown with --dry-run.
The file is validated exactly as the shipped ones are, every problem
is reported with its JSON path, and the instrument is stored as a new version; earlier versions
stay, so each response stays scored by the version it was answered on.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from alliance.accounts.models import User
from alliance.audit import trail
from alliance.measures import bare
from alliance.measures.definition import InstrumentDefinitionError, parse_definition
from alliance.measures.models import Instrument, InstrumentSource, sync_shipped


class Command(BaseCommand):
    help = "Import or list instrument definitions (see docs/instruments.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Validate a definition file and add it.")
        imp.add_argument("file", help="path to the JSON definition file")
        imp.add_argument("--dry-run", action="store_true", help="validate only, store nothing")
        imp.add_argument("--by", default="", help="email of the person importing (for the audit)")
        imp.add_argument("--key", default="", help="key for a bare Questionnaire (default: its id)")
        imp.add_argument(
            "--unscored",
            action="store_true",
            help="accept a bare Questionnaire without scores (answers are collected, not scored)",
        )
        sub.add_parser("list", help="List every stored instrument version.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list()
        else:
            self._import(options, options["file"], dry_run=options["dry_run"], by=options["by"])

    @staticmethod
    def _read(path: str, *, key: str, unscored: bool) -> tuple[dict[str, Any], bool]:
        """The definition file, or one made from a bare Questionnaire (inferred=True)."""
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from exc
        if not bare.is_bare(data):
            return data, False
        try:
            return bare.as_definition(data, key=key, unscored=unscored), True
        except InstrumentDefinitionError as exc:
            problems = "\n".join(f"  - {m}" for m in exc.messages)
            raise CommandError(f"{path} cannot be imported:\n{problems}") from exc

    def _list(self) -> None:
        sync_shipped()
        for row in Instrument.objects.order_by("key", "pk"):
            self.stdout.write(f"{row.key:32} {row.version:10} {row.source:9} {row.title}")

    def _import(self, options: dict[str, Any], path: str, *, dry_run: bool, by: str) -> None:
        data, inferred = self._read(path, key=options["key"], unscored=options["unscored"])
        try:
            parsed = parse_definition(data)
        except InstrumentDefinitionError as exc:
            problems = "\n".join(f"  - {m}" for m in exc.messages)
            raise CommandError(f"{path} is not a valid instrument definition:\n{problems}") from exc
        if inferred and dry_run:
            self.stdout.write(
                "The file is a bare FHIR Questionnaire; the scoring section inferred:"
            )
            self.stdout.write(json.dumps(data["scoring"], indent=2, ensure_ascii=False))
        existing = Instrument.objects.filter(key=parsed.key, version=parsed.version).first()
        if existing is not None:
            if existing.definition == data:
                self.stdout.write(
                    f"{parsed.key} {parsed.version} is already stored; nothing to do."
                )
                return
            raise CommandError(
                f"{parsed.key} version {parsed.version} is already stored with different "
                "content. Give the changed file a new version (questionnaire.version and "
                "scoring.version) so earlier responses keep the wording they were answered on."
            )
        if dry_run:
            self.stdout.write(f"{path} is valid: {parsed.key} {parsed.version} ({parsed.title}).")
            self.stdout.write("Dry run: nothing stored.")
            return
        importer = User.objects.filter(email__iexact=by).first() if by else None
        if by and importer is None:
            raise CommandError(f"No user with the email {by!r}.")
        with transaction.atomic():
            row = Instrument.objects.create(
                key=parsed.key,
                version=parsed.version,
                title=parsed.title,
                kind=parsed.kind,
                definition=data,
                source=InstrumentSource.IMPORTED,
                imported_by=importer,
            )
            trail.record_create(row)
        self.stdout.write(
            self.style.SUCCESS(f"Imported {parsed.key} {parsed.version} ({parsed.title}).")
        )

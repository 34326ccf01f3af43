"""Write the REST API's OpenAPI document to docs/openapi.json (a test keeps the two equal).

Run after changing the API: `alliance openapi` (or `--check` to only compare)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alliance.api.rest import api

DEFAULT_PATH = Path(settings.PROJECT_DIR) / "docs" / "openapi.json"


def document() -> str:
    return (
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1"), indent=2, sort_keys=True) + "\n"
    )


class Command(BaseCommand):
    help = "Write (or --check) docs/openapi.json from the REST API."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the file differs.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = document()
        if options["check"]:
            current = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else ""
            if current != text:
                raise CommandError("docs/openapi.json is out of date: run `alliance openapi`.")
            self.stdout.write("docs/openapi.json is up to date.")
            return
        DEFAULT_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {DEFAULT_PATH}")

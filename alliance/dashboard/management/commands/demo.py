"""Prepare the demo: migrate, load the synthetic demo clinic once, print where to sign in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from alliance import demo


class Command(BaseCommand):
    help = "Migrate the database, load the synthetic demo clinic (once) and print the logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the SQLite demo database first (refused for other databases).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            self._reset()
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if demo.demo_exists():
            self.stdout.write("The demo clinic is already loaded (use --reset to start again).")
        else:
            demo.load_demo()
            self.stdout.write(self.style.SUCCESS("Loaded the demo clinic (synthetic people)."))
        self._print_logins()

    def _reset(self) -> None:
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.sqlite3":
            self.stderr.write("--reset only deletes a SQLite demo database; skipped.")
            return
        for suffix in ("", "-wal", "-shm"):
            path = type(settings.DATA_DIR)(str(database["NAME"]) + suffix)
            path.unlink(missing_ok=True)

    def _print_logins(self) -> None:
        lines = [
            "",
            f"Open {settings.SITE_URL}/ and sign in with any of these (password: "
            f"{demo.DEMO_PASSWORD}):",
        ]
        for person in demo.PEOPLE:
            roles = ", ".join(person.roles)
            name = f"{person.first_name} {person.last_name}"
            lines.append(f"  {name:18} {person.email:30} {roles}")
        lines.append("")
        self.stdout.write("\n".join(lines))

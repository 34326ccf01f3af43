"""Backups of the whole database: SQLite's online backup, or pg_dump/pg_restore for PostgreSQL.

A SQLite backup is a consistent copy taken while the app keeps running. A PostgreSQL backup is a
pg_dump custom-format archive. Restoring replaces every table of the current database with the
backup's: stop the app servers first.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connection


class BackupError(RuntimeError):
    pass


def backup(destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        return _sqlite_backup(destination)
    if connection.vendor == "postgresql":
        return _pg_dump(destination)
    raise BackupError(f"backups of {connection.vendor} are not supported")


def restore(source: Path) -> None:
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    if connection.vendor == "sqlite":
        _sqlite_restore(source)
    elif connection.vendor == "postgresql":
        _pg_restore(source)
    else:
        raise BackupError(f"restoring {connection.vendor} is not supported")


def _raw_sqlite() -> sqlite3.Connection:
    connection.ensure_connection()
    raw: sqlite3.Connection = connection.connection
    return raw


def _sqlite_backup(destination: Path) -> Path:
    with sqlite3.connect(destination) as target:
        _raw_sqlite().backup(target)
    target.close()
    return destination


def _sqlite_restore(source: Path) -> None:
    with sqlite3.connect(source) as backup_db:
        backup_db.backup(_raw_sqlite())
    backup_db.close()


def _pg_url() -> str:
    settings: dict[str, Any] = connection.settings_dict
    user = quote(settings.get("USER") or "")
    password = settings.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"postgresql://{credentials}{host}:{port}/{quote(settings['NAME'])}"


def _run(command: list[str]) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    # A fixed program (pg_dump/pg_restore) with arguments built here, never from user input.
    result = subprocess.run(  # noqa: S603
        [program, *command[1:]], capture_output=True, text=True, env={**os.environ}, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _pg_dump(destination: Path) -> Path:
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination}", _pg_url()])
    return destination


def _pg_restore(source: Path) -> None:
    connection.close()  # our own idle connection must not hold locks on the tables dropped
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_pg_url()}",
            str(source),
        ]
    )

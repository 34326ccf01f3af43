"""`alliance backup` then `alliance restore` gives back every row of the demo database."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from alliance import demo


def every_row() -> dict[str, list[tuple[Any, ...]]]:
    rows = {}
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            fields = [f.attname for f in model._meta.concrete_fields]
            rows[model._meta.label] = list(model._base_manager.order_by("pk").values_list(*fields))
    return rows


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_the_demo(tmp_path: Path) -> None:
    demo.load_demo()
    before = every_row()
    assert sum(len(v) for v in before.values()) > 1000
    target = tmp_path / "alliance.backup"
    call_command("backup", str(target), stdout=StringIO())
    assert target.stat().st_size > 10_000

    with connection.cursor() as cursor:  # damage: what a restore must undo
        cursor.execute("UPDATE care_client SET display_name = 'changed'")
    assert every_row() != before

    call_command("restore", str(target), "--yes", stdout=StringIO())
    after = every_row()
    assert after.keys() == before.keys()
    for label, rows in before.items():
        assert after[label] == rows, label


def test_restore_refuses_a_missing_file(tmp_path: Path) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", str(tmp_path / "nope"), "--yes")

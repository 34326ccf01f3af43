"""Instruments as stored rows: every version of every definition file ever loaded.

A response points at the exact row (key + version) it was answered on, so it stays scored by that
version when a newer one arrives. The definition file is kept whole; the parsed form is cached
in-process by primary key because rows never change meaning once responses point at them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from alliance.measures import definition as definitions
from alliance.measures import registry, scoring

_PARSED: dict[int, scoring.Instrument] = {}


class InstrumentSource(models.TextChoices):
    SHIPPED = "shipped", _("Shipped with Alliance")
    IMPORTED = "imported", _("Imported by the clinic")


class InstrumentQuerySet(models.QuerySet["Instrument"]):
    def current(self, key: str) -> Instrument | None:
        """The newest version of an instrument: the row added last for that key."""
        return self.filter(key=key).order_by("-pk").first()


class Instrument(models.Model):
    key = models.CharField(max_length=60)
    version = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    definition = models.JSONField(help_text=_("The whole definition file."))
    source = models.CharField(max_length=10, choices=InstrumentSource.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="instrument_version_once")
        ]
        ordering = ["key", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.key} {self.version})"

    def parsed(self) -> scoring.Instrument:
        """The validated definition; parsed once per process per row."""
        if self.pk is None:
            return definitions.parse_definition(self.definition)
        found = _PARSED.get(self.pk)
        # A pk can be reused after a rolled-back transaction (SQLite, tests): check the key too.
        if found is None or (found.key, found.version) != (self.key, self.version):
            found = _PARSED[self.pk] = definitions.parse_definition(self.definition)
        return found

    @property
    def respondent(self) -> tuple[str, ...]:
        return tuple(self.definition.get("scoring", {}).get("respondent", ()))

    @property
    def timing(self) -> str:
        return str(self.definition.get("scoring", {}).get("timing", "after"))


def forget_parsed(pk: int) -> None:
    _PARSED.pop(pk, None)


def row_fields(parsed: scoring.Instrument, data: dict[str, Any]) -> dict[str, Any]:
    return {"title": parsed.title, "kind": parsed.kind, "definition": data}


@transaction.atomic
def sync_shipped() -> list[str]:
    """Load the shipped files: a new version adds a row, a changed file of the same version
    (e.g. a translation added) updates its shipped row. Idempotent; returns what changed."""
    import json

    changed = []
    for path in registry.shipped_paths():
        data = json.loads(path.read_text(encoding="utf-8"))
        parsed = definitions.parse_definition(data)
        row = Instrument.objects.filter(key=parsed.key, version=parsed.version).first()
        if row is None:
            Instrument.objects.create(
                key=parsed.key,
                version=parsed.version,
                source=InstrumentSource.SHIPPED,
                **row_fields(parsed, data),
            )
            changed.append(f"added {parsed.key} {parsed.version}")
        elif row.source == InstrumentSource.SHIPPED and row.definition != data:
            for name, value in row_fields(parsed, data).items():
                setattr(row, name, value)
            row.save(update_fields=["title", "kind", "definition"])
            forget_parsed(row.pk)
            changed.append(f"updated {parsed.key} {parsed.version}")
    return changed


def current_instruments(keys: Iterable[str]) -> dict[str, Instrument]:
    """The newest row of each key, read together: a page that shows several questionnaires
    asks once, not once per questionnaire. Loads the shipped files first if the table is
    empty, as `current_instrument` does."""
    wanted = set(keys)
    if not wanted:
        return {}
    found: dict[str, Instrument] = {}
    for row in Instrument.objects.filter(key__in=wanted).order_by("key", "-pk"):
        found.setdefault(row.key, row)
    if not found and not Instrument.objects.exists():
        sync_shipped()
        return current_instruments(wanted)
    return found


def current_instrument(key: str) -> Instrument | None:
    """The newest row for key, loading the shipped files first if the table is empty (e.g.
    right after a test database was flushed)."""
    row = Instrument.objects.current(key)
    if row is None and not Instrument.objects.exists():
        sync_shipped()
        row = Instrument.objects.current(key)
    return row

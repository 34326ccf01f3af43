"""Everything that writes wellbeing data, as plain functions; each leaves an audit event
without the content.

Views call these after privacy.py has found the object, so the functions trust their arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from alliance.audit import trail
from alliance.audit.models import Action
from alliance.text import clean_text

from . import scoring
from .models import JournalEntry, ReminderInterval, SelfCheck, WellbeingSettings

ENTRY_FIELDS = ("written_on", "topic", "text", "episode")


# --- self-checks ---------------------------------------------------------------------------------


def record_check(person: Any, answers: Mapping[str, int], form_key: str = "") -> SelfCheck:
    """Store one self-check; the same form sent twice stores it once."""
    cleaned = scoring.clean_answers(answers)
    key = clean_text(form_key)[:64]
    if key:
        existing = SelfCheck.objects.filter(person=person, form_key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            check = SelfCheck.objects.create(person=person, answers=cleaned, form_key=key)
            trail.record(Action.CREATE, check, after=trail.snapshot(check))
    except IntegrityError:
        # Two requests with the same form raced; the other one stored it.
        return SelfCheck.objects.get(person=person, form_key=key)
    return check


def history(person: Any) -> list[SelfCheck]:
    return list(SelfCheck.objects.filter(person=person).order_by("checked_at", "pk"))


def reading_of(check: SelfCheck, checks: list[SelfCheck]) -> scoring.Reading:
    """One check read against the person's checks before it (checks: their whole history)."""
    earlier = [c.answers for c in checks if (c.checked_at, c.pk) < (check.checked_at, check.pk)]
    return scoring.reading(check.answers, earlier)


@transaction.atomic
def delete_check(check: SelfCheck) -> None:
    before = trail.snapshot(check)
    trail.record(Action.DELETE, check, before=before)
    check.delete()


# --- reminder setting ----------------------------------------------------------------------------


def settings_of(person: Any) -> WellbeingSettings:
    found = WellbeingSettings.objects.filter(person=person).first()
    return found or WellbeingSettings(person=person)


@transaction.atomic
def set_reminder(person: Any, interval: str) -> WellbeingSettings:
    row, _created = WellbeingSettings.objects.select_for_update().get_or_create(person=person)
    before = trail.snapshot(row)
    if row.reminder == ReminderInterval.OFF and interval != ReminderInterval.OFF:
        row.reminders_since = timezone.localdate()
    row.reminder = interval
    row.save()
    trail.record_update(row, before)
    return row


# --- journal -------------------------------------------------------------------------------------


def _entry_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    data = {name: fields[name] for name in ENTRY_FIELDS if name in fields}
    if "text" in data:
        data["text"] = clean_text(data["text"])
    return data


@transaction.atomic
def add_entry(author: Any, **fields: Any) -> JournalEntry:
    entry = JournalEntry.objects.create(author=author, **_entry_fields(fields))
    trail.record(Action.CREATE, entry, after=trail.snapshot(entry))
    return entry


@transaction.atomic
def change_entry(entry: JournalEntry, **fields: Any) -> JournalEntry:
    """Compared with the stored row: a bound ModelForm has already changed the instance."""
    stored = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    before = trail.snapshot(stored)
    # The values themselves, not the snapshots: those hide private fields (topic, episode), so
    # a change of topic alone would look like no change.
    changed = {n: v for n, v in _entry_fields(fields).items() if getattr(stored, n) != v}
    for name, value in changed.items():
        setattr(stored, name, value)
    if changed:
        stored.save()
        trail.record(Action.UPDATE, stored, before=before, after=trail.snapshot(stored))
    return stored


@transaction.atomic
def delete_entry(entry: JournalEntry) -> None:
    trail.record(Action.DELETE, entry, before=trail.snapshot(entry))
    entry.delete()


def record_read(item: SelfCheck | JournalEntry, *, by_supervisor: bool = False) -> None:
    """A read leaves a line in the trail; a supervisor's read of a shared item says so."""
    label = f"{item} (shared)" if by_supervisor else str(item)
    trail.record(Action.VIEW, item, object_label=label)


# --- sharing -------------------------------------------------------------------------------------


@transaction.atomic
def share(item: SelfCheck | JournalEntry, supervisor: Any, organization: Any) -> None:
    before = trail.snapshot(item)
    item.shared_with = supervisor
    item.shared_in = organization
    item.shared_at = timezone.now()
    item.save(update_fields=["shared_with", "shared_in", "shared_at"])
    trail.record(Action.UPDATE, item, before=before, after=trail.snapshot(item))


@transaction.atomic
def unshare(item: SelfCheck | JournalEntry) -> None:
    if not item.is_shared:
        return
    before = trail.snapshot(item)
    item.shared_with = None
    item.shared_in = None
    item.shared_at = None
    item.save(update_fields=["shared_with", "shared_in", "shared_at"])
    trail.record(Action.UPDATE, item, before=before, after=trail.snapshot(item))

"""Audit by construction: a clinical model that inherits `AuditedModel` writes its own audit
events, so a new view or service cannot forget them.

- Creating a row records Action.CREATE with the after-snapshot; changing it records
  Action.UPDATE with before and after; a save that changed nothing records nothing; deleting it
  records Action.DELETE with the before-snapshot. Snapshots are `trail.snapshot`'s, so private
  and content fields (`audit_private_fields`, `audit_content_fields`) stay masked.
- The "before" is what was loaded from the database (kept by `from_db`, no extra query), so a
  model form that has already written the new values onto its instance is recorded correctly.
- A change with a name of its own ("send", "export"...) is saved inside
  `with trail.action(name):`; the mixin then writes that action instead, once.
- Bulk operations bypass save() and delete(): `QuerySet.update`, `bulk_create`, `bulk_update`
  and `QuerySet.delete` write no event. Where one of them changes an audited model on a
  person's behalf, the service that calls it records the change itself with `trail.record`.
  Rows deleted by a cascade are not recorded either; the deleted parent's event stands for them.
"""

from __future__ import annotations

import copy
from typing import Any, Self

from django.db import models, router, transaction

from . import trail
from .models import Action


def _kept(value: Any) -> Any:
    # JSON values are changed in place (answers["x"] = 1); keep a copy so the change shows.
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


class AuditedModel(models.Model):
    """Abstract base of the clinical models whose every change belongs in the audit trail."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        creating = self._state.adding
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            if creating:
                self._record_created()
            else:
                self._record_changed()
        self._remember_loaded(kwargs.get("update_fields"))

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        before = trail.snapshot(self)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            deleted = super().delete(*args, **kwargs)
            self._record(Action.DELETE, before=before, after=None)
        return deleted

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Self:
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = {
            name: _kept(value)
            for name, value in zip(field_names, values, strict=True)
            if value is not models.DEFERRED
        }
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        fields = kwargs.get("fields") or (args[1] if len(args) > 1 else None)
        self._remember_loaded(fields)

    def audit_before(self) -> dict[str, Any] | None:
        """The snapshot of the row as it was loaded (None for an object not yet saved)."""
        loaded = getattr(self, "_audit_loaded", None)
        if loaded is None:
            return None
        return trail.snapshot_of(
            self, lambda f: loaded[f.attname] if f.attname in loaded else f.value_from_object(self)
        )

    def _record_created(self) -> None:
        self._record(Action.CREATE, before=None, after=trail.snapshot(self))

    def _record_changed(self) -> None:
        before = self.audit_before()
        after = trail.snapshot(self)
        if before == after:
            return
        self._record(Action.UPDATE, before=before, after=after)

    def _record(self, generic: Action, *, before: Any, after: Any) -> None:
        named = trail.named_action()
        action, label = generic, ""
        if named is not None:
            action, label = named.action, named.object_label
            if named.after:
                after = {**(after or {}), **named.after}
        trail.write_when_due(
            lambda: trail.record(action, self, object_label=label, before=before, after=after)
        )

    def _remember_loaded(self, fields: Any = None) -> None:
        loaded = dict(getattr(self, "_audit_loaded", None) or {})
        if not loaded or fields is None:
            loaded = {}
            fields = [f.attname for f in self._meta.concrete_fields]
        deferred = self.get_deferred_fields()
        for name in fields:
            attname = self._meta.get_field(name).attname
            if attname not in deferred:
                loaded[attname] = _kept(getattr(self, attname))
        self._audit_loaded = loaded

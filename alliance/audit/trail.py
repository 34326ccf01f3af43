"""Writing audit events. Every read of a client's record and every change goes through here."""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import models

from . import context
from .models import Action, AuditEvent

# Fields never copied into the trail: secrets, and free text the trail does not need to repeat.
REDACTED_FIELDS = {"password", "token_hash", "secret"}


PRIVATE = "(private)"


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete field values as JSON-friendly data, for before/after records."""
    return snapshot_of(instance, lambda f: f.value_from_object(instance))


def snapshot_of(
    instance: models.Model, value_of: Callable[[models.Field[Any, Any]], Any]
) -> dict[str, Any]:
    """A snapshot with the values `value_of` gives for each field (say, those loaded from the
    database), masked as `snapshot` masks them."""
    data: dict[str, Any] = {}
    # Clinical content (answers, scores, alert reasons) stays in its own table, behind the
    # access rules; the trail records that it changed, not what it says.
    content = set(getattr(instance, "audit_content_fields", ()))
    # Values with so few possibilities (a rating, a chosen answer) that a fingerprint could be
    # reversed by trying them all: the trail says only that they are there.
    private = set(getattr(instance, "audit_private_fields", ()))
    for field in instance._meta.concrete_fields:
        if field.name in REDACTED_FIELDS:
            continue
        if field.name in private:
            data[field.name] = PRIVATE
            continue
        value = _plain(value_of(field))
        data[field.name] = _fingerprint(value) if field.name in content else value
    return data


def _fingerprint(value: Any) -> str:
    """Stands in for content: equal when the content is equal, so changes still show."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
    return f"(content {digest[:10]})"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass
class NamedAction:
    """What the next save or delete of an audited object is recorded as (see `action`)."""

    action: str
    after: dict[str, Any] = dataclasses.field(default_factory=dict)
    object_label: str = ""


_named: contextvars.ContextVar[NamedAction | None] = contextvars.ContextVar(
    "alliance_audit_named_action", default=None
)


@contextmanager
def action(
    name: str | Action,
    *,
    after: dict[str, Any] | None = None,
    object_label: str = "",
) -> Iterator[NamedAction]:
    """Record the saves and deletes of audited objects inside the block as `name` (say, "send")
    instead of a plain create, change or delete: one event per change, never two. `after` adds
    details to the after-snapshot. A save that changed nothing still records nothing."""
    token = _named.set(NamedAction(str(name), dict(after or {}), object_label))
    try:
        yield _named.get()  # type: ignore[misc]
    finally:
        _named.reset(token)


def named_action() -> NamedAction | None:
    return _named.get()


_held: contextvars.ContextVar[list[Callable[[], Any]] | None] = contextvars.ContextVar(
    "alliance_audit_held", default=None
)


@contextmanager
def held() -> Iterator[None]:
    """Write the events of audited saves inside the block when it ends, labelled as the objects
    are then: an episode created before its participants still carries their client codes."""
    if _held.get() is not None:
        yield
        return
    pending: list[Callable[[], Any]] = []
    token = _held.set(pending)
    try:
        yield
    finally:
        _held.reset(token)
    for write in pending:
        write()


def write_when_due(write: Callable[[], Any]) -> None:
    """Run `write` now, or at the end of the enclosing `held` block."""
    pending = _held.get()
    if pending is None:
        write()
    else:
        pending.append(write)


def client_code_of(instance: models.Model) -> str:
    """The client code the object is about, so the trail can be filtered by client."""
    label = getattr(instance, "audit_client_code", None)
    if callable(label):
        return str(label() or "")
    return ""


def record(
    action: str | Action,
    instance: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organization: Any = None,
    client_code: str = "",
    actor: Any = None,
    object_id: str = "",
) -> AuditEvent:
    ctx = context.current()
    if ctx.reads is not None and str(action) == Action.VIEW:
        ctx.reads.view_recorded = True
    actor = actor or ctx.actor
    actor = actor if getattr(actor, "is_authenticated", False) else None
    if instance is not None:
        object_type = object_type or instance._meta.label
        object_label = object_label or str(instance)[:200]
        client_code = client_code or client_code_of(instance)
        organization = organization or getattr(instance, "organization", None)
    return AuditEvent.objects.create(
        organization=organization or ctx.organization,
        actor=actor,
        actor_label=(ctx.label if ctx.label and actor == ctx.actor else "")
        or _actor_label(actor, ctx.source),
        action=str(action),
        object_type=object_type or "",
        object_id=object_id or _object_id(instance, before),
        object_label=object_label[:200],
        client_code=client_code,
        request_id=ctx.request_id,
        ip=ctx.ip,
        source=ctx.source,
        before=before,
        after=after,
    )


def _object_id(instance: models.Model | None, before: dict[str, Any] | None) -> str:
    if instance is not None and instance.pk:
        return str(instance.pk)
    return str((before or {}).get("id") or "")


def _actor_label(actor: Any, source: str) -> str:
    if actor is not None:
        return str(actor.email)
    return {
        "link": "client (check-in link)",
        "cli": "command line",
        "task": "background task",
        "api": "integration (API token)",
    }.get(source, "anonymous")


def record_view(instance: models.Model) -> AuditEvent:
    return record(Action.VIEW, instance)


def record_create(instance: models.Model) -> AuditEvent:
    return record(Action.CREATE, instance, after=snapshot(instance))


def record_update(instance: models.Model, before: dict[str, Any]) -> AuditEvent | None:
    after = snapshot(instance)
    if after == before:
        return None
    return record(Action.UPDATE, instance, before=before, after=after)


def record_delete(instance: models.Model, before: dict[str, Any]) -> AuditEvent:
    return record(Action.DELETE, instance, before=before)


def record_page_read(request: Any, status: int) -> AuditEvent | None:
    """One "viewed" event for a page that read client data through the access layer and wrote no
    view event of its own (see context.Reads)."""
    reads = context.current().reads
    if (
        reads is None
        or reads.view_recorded
        or not (reads.objects or reads.lists)
        or request.method not in ("GET", "HEAD")
        or not 200 <= status < 300
    ):
        return None
    codes = sorted({code for code in reads.objects.values() if code})
    first = next(iter(reads.objects), "")
    # Named after the page's app, so a private app's pages stay private (audit.privacy).
    app = getattr(getattr(request, "resolver_match", None), "app_name", "") or "site"
    return record(
        Action.VIEW,
        object_type=f"{app}.page",
        object_label=request.path[:200],
        client_code=",".join(codes)[:2000],
        after={"objects": sorted(reads.objects), "lists": sorted(reads.lists)},
        object_id=first.rsplit(":", 1)[-1] if first else "",
    )

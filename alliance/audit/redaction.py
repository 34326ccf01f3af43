"""Retention rule for the audit trail when a client is erased (docs/security.md, "Data rights").

The events stay: they are the record of who saw and changed what, and they may be needed to
answer for an access long after the client has gone. What goes is everything in them that says
who the client was or what they said: the label (a client's is "name (code)"), the client code
(replaced by the erasure's tombstone, so the events can still be grouped) and every value of the
before/after snapshots except ids and links to other rows.

On PostgreSQL the append-only trigger (migration 0003) lets exactly this kind of UPDATE through
and nothing else: the same columns, the same keys, values only ever becoming ERASED, codes only
ever becoming a tombstone.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q

from .models import AuditEvent

ERASED = "(erased)"
TOMBSTONE_PREFIX = "erased-"


def new_tombstone() -> str:
    """Random, so nothing about the client can be worked back from it."""
    return TOMBSTONE_PREFIX + secrets.token_hex(6)


def codes_ever_used(organization: Any, client_pk: int, current_code: str) -> set[str]:
    """The client's code now and any code their record had before (a changed code leaves the
    old one on the earlier events)."""
    codes = {current_code}
    changes = AuditEvent.objects.filter(
        organization=organization, object_type="care.Client", object_id=str(client_pk)
    ).values_list("before", "after")
    for before, after in changes:
        for snapshot in (before, after):
            code = (snapshot or {}).get("code")
            if isinstance(code, str) and code:
                codes.add(code)
    return codes


def events_about(organization: Any, client_pk: int, codes: Iterable[str]) -> models.QuerySet:
    """Events whose client code names one of the codes, alone or in a shared episode's list."""
    condition = Q(object_type="care.Client", object_id=str(client_pk))
    for code in codes:
        condition |= (
            Q(client_code=code)
            | Q(client_code__startswith=f"{code},")
            | Q(client_code__endswith=f",{code}")
            | Q(client_code__contains=f",{code},")
        )
    return AuditEvent.objects.filter(organization=organization).filter(condition)


def redact_client(organization: Any, client_pk: int, codes: set[str], tombstone: str) -> int:
    """Apply the retention rule to every event about the client; returns how many changed."""
    changed = 0
    for event in events_about(organization, client_pk, codes).iterator():
        values = _redacted(event, codes, tombstone)
        if values:
            # The queryset refuses update(); this is the one sanctioned exception.
            models.QuerySet.update(AuditEvent.objects.filter(pk=event.pk), **values)
            changed += 1
    return changed


def _redacted(event: AuditEvent, codes: set[str], tombstone: str) -> dict[str, Any]:
    keep = _kept_keys(event.object_type)
    values = {
        "object_label": ERASED,
        "client_code": _replace_codes(event.client_code, codes, tombstone),
        "before": _blank(event.before, keep),
        "after": _blank(event.after, keep),
    }
    current = {name: getattr(event, name) for name in values}
    return values if values != current else {}


def _replace_codes(listed: str, codes: set[str], tombstone: str) -> str:
    """Each of the client's codes in a comma-separated list becomes the tombstone. A code that
    itself holds a comma (allowed before client codes refused them) spans several pieces; each
    piece becomes the tombstone, so the list keeps its length, as the trigger requires."""
    parts = listed.split(",") if listed else []
    out = list(parts)
    for code in codes:
        width = code.count(",") + 1
        for start in range(len(parts) - width + 1):
            if ",".join(parts[start : start + width]) == code:
                out[start : start + width] = [tombstone] * width
    return ",".join(out)


def _blank(snapshot: Any, keep: set[str]) -> Any:
    if not isinstance(snapshot, dict):
        return snapshot
    return {key: (value if key in keep else ERASED) for key, value in snapshot.items()}


def _kept_keys(object_type: str) -> set[str]:
    """Ids and links to other rows: they say which rows an event was about, nothing else."""
    keep = {"id"}
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return keep
    return keep | {f.name for f in model._meta.concrete_fields if f.is_relation}

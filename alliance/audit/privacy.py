"""Audit events about private records: visible to their owner only.

A therapist's wellbeing self-checks and reflection journal are private to their author (not even
an admin who may read clinical data reads them), and so is the fact that they wrote, read,
changed or shared one: the admin's audit page leaves out every event about an app whose config
says `audit_private = True`, except the viewer's own. The events stay in the trail, which the
operator reaches through the database (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet


def private_prefixes() -> tuple[str, ...]:
    """Object types ("app.Model", and "app.page" for page reads) of private apps."""
    return tuple(
        f"{config.label}."
        for config in apps.get_app_configs()
        if getattr(config, "audit_private", False)
    )


def is_private(object_type: str) -> bool:
    return object_type.startswith(private_prefixes())


def visible_to(events: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """The events this person may see on the audit page: everything but other people's private
    records' events."""
    private = Q(pk__in=[])
    for prefix in private_prefixes():
        private |= Q(object_type__startswith=prefix)
    return events.exclude(private & ~Q(actor=user))

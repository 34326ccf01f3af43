"""Risk events through the organization's webhooks, content-free like the email.

The deliveries are rows of the webhook module (alliance/api/webhooks.py), which signs and sends
them on the worker with its retries; one row per endpoint, alert and event, so an event goes out
once. The payload names no client and carries no answer or reason: the receiving system follows
`url` with its API token to read what it may.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from alliance.api import webhooks as api_webhooks
from alliance.api.models import WebhookDelivery, WebhookEndpoint

RISK_ANSWERED = "risk.answered"
RISK_ESCALATED = "risk.escalated"
EVENTS = (RISK_ANSWERED, RISK_ESCALATED)


def payload(alert: Any, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "alert": {
            "id": alert.pk,
            "kind": alert.kind,
            "severity": alert.severity,
            "episode_id": alert.episode_id,
            "url": f"{settings.SITE_URL}/api/v1/alerts/{alert.pk}",
        },
    }


def queue(alert: Any, event: str) -> int:
    """One delivery of `event` about `alert` to each active endpoint of its organization, each
    created with the job that sends it (as alliance/api/webhooks.py does); a second call
    creates nothing."""
    created = 0
    endpoints = WebhookEndpoint.objects.filter(organization_id=alert.organization_id, active=True)
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint, alert=alert, event=event, payload=payload(alert, event)
                )
                api_webhooks.queue_attempt(delivery)
        except IntegrityError:
            continue  # already queued
        created += 1
    return created

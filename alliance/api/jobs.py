"""The API app's background work: alert webhook deliveries (webhooks.py)."""

from __future__ import annotations

import datetime as dt

from alliance.jobs.schedule import periodic

from . import webhooks


@periodic(every=dt.timedelta(seconds=15))
def find_alerts_for_webhooks() -> str:
    """New alerts queued for webhook delivery"""
    created = webhooks.queue_new_deliveries()
    overdue = webhooks.queue_overdue()
    return f"{created} new deliveries, {overdue} overdue queued again"

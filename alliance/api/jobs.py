"""The API app's background work: alert webhook deliveries (webhooks.py)."""

from __future__ import annotations

import datetime as dt

from alliance.jobs.schedule import periodic

from . import research_exports, webhooks


@periodic(every=dt.timedelta(seconds=15))
def find_alerts_for_webhooks() -> str:
    """New alerts queued for webhook delivery"""
    created = webhooks.queue_new_deliveries()
    overdue = webhooks.queue_overdue()
    return f"{created} new deliveries, {overdue} overdue queued again"


@periodic(every=dt.timedelta(minutes=15))
def remove_expired_exports() -> str:
    """Expired research export files removed"""
    files, rows = research_exports.expire()
    return f"{files} file(s) removed, {rows} old record(s) deleted"

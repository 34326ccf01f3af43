"""Work the worker does on its own clock for notifications (alliance/jobs/schedule.py)."""

from __future__ import annotations

import datetime as dt

from alliance.jobs.schedule import periodic

from . import mail, services, webhooks


@periodic(every=dt.timedelta(minutes=5))
def escalate_unacknowledged_risk() -> dict[str, int]:
    """Risk answers nobody acknowledged in time go to the supervisor or duty clinician."""
    return services.escalate_due()


@periodic(every=dt.timedelta(minutes=10))
def notify_missed_risk_alerts() -> int:
    """The safety net: a risk alert whose notification was lost (a crash right after the
    commit) is notified now, a risk alert whose webhook was never queued is queued now, and a
    risk email whose job was lost is sent now."""
    missed = services.unnotified_risk_alerts()
    if missed:
        services.on_alerts(missed)
    for alert in services.risk_alerts_without_webhook():
        webhooks.queue(alert, webhooks.RISK_ANSWERED)
    for watch_id, stage in services.unsent_risk_emails():
        mail.deliver_risk_email(watch_id, stage)
    return len(missed)


@periodic(every=dt.timedelta(hours=1))
def send_daily_digests() -> int:
    """The daily summary for those who asked; hourly so each person's comes about a day after
    the last one, whenever the worker started."""
    return mail.send_digests()

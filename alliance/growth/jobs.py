"""Work the worker does for the growth pages on its own clock (alliance/jobs/schedule.py)."""

from __future__ import annotations

import datetime as dt

from alliance.accounts.models import Organization
from alliance.jobs.schedule import periodic

from . import summaries


@periodic(every=dt.timedelta(hours=1))
def store_month_figures() -> int:
    """Store each organization's completed months the organization view has no figures for
    (a month that just ended, or one a late answer changed); returns how many months."""
    return sum(summaries.refresh(organization) for organization in Organization.objects.all())

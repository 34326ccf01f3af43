"""One way to write a date on every staff page: the clinic's style, in the clinic's time zone.

`day` and `moment` read the style the request's organization chose (alliance.accounts.middleware
activates it with the time zone); exports keep ISO 8601 and do not use these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from alliance.dates import format_day, local_moment

register = template.Library()


@register.filter
def day(value: Any) -> str:
    """A date (or the local date of a moment): '22 Oct 2026' in the default style."""
    if not value:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_day(value)


@register.filter
def moment(value: Any) -> str:
    """A moment in the clinic's time zone: '22 Oct 2026, 14:30' in the default style."""
    return local_moment(value)

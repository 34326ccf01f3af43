"""Small display helpers of the growth pages: a drawn interval beside each row of a table.

The table holds the numbers; the drawing repeats them for the eye and is hidden from screen
readers. Plain SVG attributes, no style attributes, so the strict CSP holds."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from alliance.growth.statistics import Difference, Estimate

register = template.Library()

WIDTH = 160
HEIGHT = 14


def _x(value: float, low: float, high: float) -> float:
    share = (min(max(value, low), high) - low) / (high - low)
    return round(4 + share * (WIDTH - 8), 1)


@register.simple_tag
def interval_mark(summary: Any, low: float = 0, high: float = 10) -> SafeString | str:
    """A line from the interval's low end to its high end with a dot at the mean, on a scale
    from `low` to `high` (0–10 for alliance scores; −5 to 5 for gaps, where 0 is marked)."""
    if isinstance(summary, Difference):
        centre = summary.difference
    elif isinstance(summary, Estimate):
        centre = summary.mean
    else:
        return ""
    zero = ""
    if low < 0 < high:
        z = _x(0, low, high)
        zero = format_html('<line class="zero" x1="{}" x2="{}" y1="1" y2="{}"/>', z, z, HEIGHT - 1)
    return format_html(
        '<svg class="interval" viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-hidden="true"'
        ' focusable="false"><line class="axis" x1="4" x2="{end}" y1="{mid}" y2="{mid}"/>{zero}'
        '<line class="ci" x1="{a}" x2="{b}" y1="{mid}" y2="{mid}"/>'
        '<circle class="mean" cx="{m}" cy="{mid}" r="3.5"/></svg>',
        w=WIDTH,
        h=HEIGHT,
        end=WIDTH - 4,
        mid=HEIGHT / 2,
        zero=zero,
        a=_x(summary.low, low, high),
        b=_x(summary.high, low, high),
        m=_x(centre, low, high),
    )


@register.filter
def signed(value: Any, places: int = 1) -> str:
    """+0.4, −0.3, 0.0: the sign of a gap or a difference matters, so it is always written."""
    try:
        number = round(float(value), int(places))
    except (TypeError, ValueError):
        return ""
    if number == 0:
        return f"{0:.{places}f}"
    sign = "+" if number > 0 else "−"
    return f"{sign}{abs(number):.{places}f}"


@register.simple_tag
def alert_lines(lines: list[Any], empty: str) -> SafeString:
    """The supervision page's lists of alerts, one line each, joined in Python: a supervisor of
    ten therapists may have hundreds of open alerts on the page, and a template include per line
    cost more than the rest of the page."""
    if not lines:
        return format_html('<p class="muted">{}</p>', empty)
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", _lines(lines)))


def _lines(lines: list[Any]) -> Any:
    # Each episode's address and each kind's and state's label once per list: Django's
    # get_FOO_display() rebuilds the field's choices and translates every label on each call.
    urls: dict[int, str] = {}
    kinds: dict[str, str] = {}
    states: dict[str, str] = {}
    for line in lines:
        alert = line.alert
        if alert.episode_id not in urls:
            urls[alert.episode_id] = reverse("care:episode", args=[alert.episode_id])
        if alert.kind not in kinds:
            kinds[alert.kind] = str(alert.get_kind_display())
        if alert.state not in states:
            states[alert.state] = str(alert.get_state_display()).lower()
        session = (
            ", " + gettext("session %(n)s") % {"n": alert.session_number}
            if alert.session_number
            else ""
        )
        raised = ngettext("raised %(days)s day ago", "raised %(days)s days ago", line.age_days) % {
            "days": line.age_days
        }
        new = (
            format_html('<span class="new">{}</span> ', gettext("New"))
            if getattr(line, "is_new", False)
            else ""
        )
        yield (
            format_html(
                '{}<a href="{}">{}</a>: {}{} — {}, {}',
                new,
                urls[alert.episode_id],
                line.who,
                kinds[alert.kind],
                session,
                raised,
                states[alert.state],
            ),
        )

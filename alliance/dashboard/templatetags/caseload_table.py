"""The caseload table's rows as HTML, built in Python.

A 100-row caseload rendered cell by cell through the template engine spent more time resolving
template variables than the whole page spent on its queries (docs/performance.md). The rows are
few kinds of cell, so they are joined here; every value goes through format_html, which escapes
it exactly as the template would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from alliance.dashboard.caseload import shortened

register = template.Library()

# Each cell carries its column's name (data-label) for the card layout on narrow screens.
ROW = (
    '<tr{}><td data-label="{}"><a href="/episodes/{}/">{}</a>{}<br><span class="muted">{}{}</span>'
    '</td><td data-label="{}">{}{}</td><td data-label="{}">{}</td><td data-label="{}">{}{}</td>'
    '<td data-label="{}">{}</td>{}</tr>\n'
)
REASON_SHORT = 110
TREND = (
    '<svg class="spark" width="80" height="20" viewBox="0 0 80 20" role="img" aria-label="{}">'
    '<polyline points="{}"/></svg> {}'
)
NONE_MARK = mark_safe('<span class="muted">—</span>')


def _needs(text: dict[str, Any]) -> SafeString:
    if not text["needs"]:
        return NONE_MARK
    return format_html_join(" ", '<span class="need {}">{}</span>', text["needs"])


def _trend(row: Any, text: dict[str, Any], no_checkins: str) -> SafeString:
    if not text["latest"]:
        return format_html('<span class="muted">{}</span>', no_checkins)
    return format_html(TREND, text["trend_label"], row.spark, text["latest"])


def _reason(row: Any, why_label: str) -> SafeString:
    """The first alert's reason, cut to a line; whole on hover, and on opening with why this
    episode is where it is in the order."""
    full = row.alerts[0].reason_today if row.alerts else ""
    if not full:
        return mark_safe("")
    short = full if len(full) <= REASON_SHORT else shortened(full, REASON_SHORT)
    return format_html(
        '<details class="reason"><summary title="{}">{}</summary><p>{}</p>'
        '<p class="why"><strong>{}</strong> {}</p></details>',
        full,
        short,
        full,
        why_label,
        row.why_first,
    )


def row_html(row: Any, words: dict[str, str], show_staff: bool) -> SafeString:
    text = row.text
    title = row.episode.title
    return format_html(
        ROW,
        mark_safe(' class="is-new"') if getattr(row, "is_new", False) else "",
        words["clients"],
        row.episode.pk,
        text["clients"],
        format_html(' <span class="new">{}</span>', words["new"])
        if getattr(row, "is_new", False)
        else "",
        text["format"],
        format_html(" · {}", title) if title else "",
        words["needs"],
        _needs(text),
        _reason(row, words["why"]),
        words["trend"],
        _trend(row, text, words["no_checkins"]),
        words["last"],
        text["last_checkin"],
        format_html('<br><span class="muted">{} {}</span>', row.open_links, words["links_open"])
        if row.open_links
        else "",
        words["next"],
        text["next_session"],
        format_html('<td data-label="{}">{}</td>', words["staff"], text["staff"])
        if show_staff
        else "",
    )


@register.simple_tag
def caseload_rows(rows: Iterable[Any], show_staff: bool = True) -> SafeString:
    words = {
        "no_checkins": gettext("no check-ins yet"),
        "links_open": gettext("open link(s)"),
        "clients": gettext("Clients"),
        "needs": gettext("Needs"),
        "trend": gettext("Alliance trend"),
        "last": gettext("Last check-in"),
        "next": gettext("Next session"),
        "staff": gettext("Staff"),
        "new": gettext("New"),
        "why": gettext("Why here in the order:"),
    }
    return mark_safe("".join(row_html(row, words, show_staff) for row in rows))  # noqa: S308

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

register = template.Library()

ROW = (
    '<tr><td><a href="/episodes/{}/">{}</a><br><span class="muted">{}{}</span></td>'
    "<td>{}{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>\n"
)
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


def row_html(row: Any, no_checkins: str, links_open: str) -> SafeString:
    text = row.text
    title = row.episode.title
    return format_html(
        ROW,
        row.episode.pk,
        text["clients"],
        text["format"],
        format_html(" · {}", title) if title else "",
        _needs(text),
        format_html(
            '<br><span class="muted" title="{} {}">{}</span>',
            text["full_reason"],
            text["why_first"],
            text["reason"],
        )
        if text["reason"]
        else "",
        _trend(row, text, no_checkins),
        text["last_checkin"],
        format_html('<br><span class="muted">{} {}</span>', row.open_links, links_open)
        if row.open_links
        else "",
        text["next_session"],
        text["staff"],
    )


@register.simple_tag
def caseload_rows(rows: Iterable[Any]) -> SafeString:
    no_checkins, links_open = gettext("no check-ins yet"), gettext("open link(s)")
    return mark_safe("".join(row_html(row, no_checkins, links_open) for row in rows))  # noqa: S308

"""The rows of the episode page's session tables, built in Python.

A year of weekly sessions is fifty rows of four cells; rendered cell by cell through the template
engine (a URL, a moment, a status label looked up anew for every row) they cost several
milliseconds of every view of the page. The HTML is the same as the template wrote it: every value
goes through format_html, which escapes it as the template would.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from alliance.care.models import Session
from alliance.dates import local_moment

register = template.Library()

ROW = '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{} min</td><td>{}</td></tr>'
# A session's address differs from another's only in its id (converters.IdConverter writes it
# as plain digits), so the address is reversed once and each row puts its own id in.
_ANY_ID = 987654321


@register.simple_tag
def session_rows(sessions: Iterable[Session]) -> SafeString:
    """One `<tr>` per session: its number (a link to its page), when, how long, its status."""
    labels = {value: str(label) for value, label in Session._meta.get_field("status").flatchoices}
    before, after = reverse("care:session", args=[_ANY_ID]).split(str(_ANY_ID))
    return mark_safe(  # noqa: S308 - each row is format_html's
        "".join(
            format_html(
                ROW,
                f"{before}{s.pk}{after}",
                # Whole numbers below a thousand: localized, they are their digits.
                str(s.number),
                local_moment(s.starts_at),
                str(s.duration_minutes),
                labels.get(s.status, s.status),
            )
            for s in sessions
        )
    )

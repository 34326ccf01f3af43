"""The body of the episode page's score table ("the same numbers as a table"), built in Python.

The table has a row per session and a column per scale and person: a year of weekly sessions is
hundreds of cells, and rendering them one by one through the template engine cost more than all
the page's queries together. Each cell is written as the template wrote it (localized, then
escaped); the few distinct values are localized once each.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def score_rows(rows: list[list[Any]]) -> SafeString:
    """`<tr>` per row of insights.panels.data_table: the session as the row's header, then its
    cells."""
    written: dict[tuple[type, Any], str] = {}

    def cell(value: Any) -> str:
        key = (type(value), value)
        if key not in written:
            written[key] = conditional_escape(formats.localize(value))
        return written[key]

    return mark_safe(  # noqa: S308 - every value is escaped by cell()
        "".join(
            f'<tr><th scope="row">{cell(row[0])}</th>'
            + "".join(f"<td>{cell(value)}</td>" for value in row[1:])
            + "</tr>"
            for row in rows
        )
    )

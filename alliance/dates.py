"""Dates as the clinic writes them. Pure: a style name and a date in, text out.

The style is chosen per organization (Settings); `activate` sets it for the current request or
command, as Django's own `timezone.activate` does for the time zone. Exports use ISO 8601.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

# style → (date pattern, date-and-time pattern), strftime codes. Month names stay English
# abbreviations in every style so that no date can be misread (3/4 is March or April).
STYLES: dict[str, tuple[str, str]] = {
    "dmy": ("{d} %b %Y", "{d} %b %Y, %H:%M"),
    "mdy": ("%b {d}, %Y", "%b {d}, %Y, %I:%M %p"),
    "iso": ("%Y-%m-%d", "%Y-%m-%d %H:%M"),
}
DEFAULT_STYLE = "dmy"
# What a date input expects from a person typing (and shows as its placeholder), per style.
INPUT_FORMATS: dict[str, tuple[str, str]] = {
    "dmy": ("%d/%m/%Y", "dd/mm/yyyy"),
    "mdy": ("%m/%d/%Y", "mm/dd/yyyy"),
    "iso": ("%Y-%m-%d", "yyyy-mm-dd"),
}

_style: ContextVar[str] = ContextVar("date_style", default=DEFAULT_STYLE)


def activate(style: str) -> None:
    _style.set(style if style in STYLES else DEFAULT_STYLE)


def current_style() -> str:
    return _style.get()


def _pattern(index: int, value: dt.date, style: str | None) -> str:
    pattern = STYLES[style or _style.get()][index]
    # The day without a leading zero, the same on every platform (%-d is not portable).
    return pattern.replace("{d}", str(value.day))


def format_day(value: dt.date, style: str | None = None) -> str:
    return value.strftime(_pattern(0, value, style))


def format_moment(value: dt.datetime, style: str | None = None) -> str:
    return value.strftime(_pattern(1, value, style))


def parse_day(text: str, style: str | None = None) -> dt.date | None:
    """A date typed in the clinic's style, or in ISO (what a browser's date picker sends)."""
    for pattern in (INPUT_FORMATS[style or _style.get()][0], "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None

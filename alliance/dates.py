"""Dates as the clinic writes them. Pure: a style name and a date in, text out.

The style is chosen per organization (Settings); `activate` sets it for the current request or
command, as Django's own `timezone.activate` does for the time zone. Exports use ISO 8601.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

from django.utils import timezone

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
# Everything else a person may type in a style. Numbers only in the clinic's own order (03/04
# is March or April depending on the style); with the month as a word the order cannot be
# misread, so those are accepted in every style, as is ISO (what a browser's date picker sends).
NUMERIC_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "dmy": ("%d-%m-%Y", "%d.%m.%Y"),
    "mdy": ("%m-%d-%Y",),
    "iso": ("%Y/%m/%d",),
}
WORDED = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y")
EXAMPLE = dt.date(2026, 10, 22)  # a day above 12, so the example shows the order too

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


def local_moment(value: dt.datetime | None) -> str:
    """A moment in the clinic's time zone and style ("22 Oct 2026, 14:30"); a dash for none."""
    if not value:
        return "—"
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_moment(value)


def parse_day(text: str, style: str | None = None) -> dt.date | None:
    """A date typed in the clinic's style ("22/10/2026", "22 Oct 2026" as shown, "22 october
    2026"), a worded date in any order, or ISO; None if it is not a date (31/31/2026, 30 Feb)."""
    style = style if style in STYLES else _style.get()
    # "Oct 22, 2026" and "22. Oct 2026" read the same without the punctuation between words.
    cleaned = " ".join(text.replace(",", " ").replace(". ", " ").split())
    if not cleaned or len(cleaned) > 40:
        return None
    patterns = (INPUT_FORMATS[style][0], *NUMERIC_ALTERNATIVES[style], "%Y-%m-%d", *WORDED)
    for pattern in patterns:
        try:
            return dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None


def typing_example(style: str | None = None) -> tuple[str, str, str]:
    """(placeholder, typed example, shown example), e.g. ("dd/mm/yyyy", "22/10/2026",
    "22 Oct 2026"): what a date input's hint and error message say."""
    style = style or _style.get()
    pattern, placeholder = INPUT_FORMATS[style]
    return placeholder, EXAMPLE.strftime(pattern), format_day(EXAMPLE, style)

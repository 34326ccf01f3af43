"""Date inputs in the clinic's date format, for every staff form.

A browser's native date input shows dates in the browser's locale, not the clinic's, and each
browser and phone draws it differently. These fields are plain text inputs instead: they show a
date as the clinic writes it ("22 Oct 2026"), accept what a person types in the clinic's order
("22/10/2026", "22 oct 2026") or ISO, keep a mistyped date as typed with a message that says
what is expected, and carry a hint with the expected format. The parsing is `alliance.dates`
(pure); a small script (static/js/date-input.js) adds a calendar button that fills the same text
box. Exports and the API stay ISO 8601 and do not use these.

Use `ClinicDateField` for a date, `ClinicDateTimeField` for a date and a time (the time is a
native time input, which has no date-order problem); in a ModelForm through `field_classes`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.forms.utils import from_current_timezone
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from alliance import dates

ORDER_WORDS = {"dmy": "day/month/year", "mdy": "month/day/year", "iso": "year-month-day"}


def format_hint() -> str:
    placeholder, typed, shown = dates.typing_example()
    shown = shown.replace(" ", "\u00a0")  # the example date never breaks across lines
    return _("%(order)s, e.g. %(typed)s or %(shown)s") % {
        "order": _(ORDER_WORDS[dates.current_style()]),
        "typed": typed,
        "shown": shown,
    }


def bad_date_message() -> str:
    _placeholder, typed, shown = dates.typing_example()
    return _(
        "This is not a date we can read. Enter it as %(order)s, e.g. %(typed)s or %(shown)s."
    ) % {
        "order": _(ORDER_WORDS[dates.current_style()]),
        "typed": typed,
        "shown": shown,
    }


class ClinicDateInput(forms.TextInput):
    """A text box showing the date in the clinic's format, with the expected format as a hint
    beside it (linked with aria-describedby, so a screen reader reads it too)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        typing = {
            "autocomplete": "off",
            "autocapitalize": "off",
            "spellcheck": "false",
            "size": "14",
            "data-date-input": "",
        }
        super().__init__({**typing, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            return dates.format_day(value.date())
        if isinstance(value, dt.date):
            return dates.format_day(value)
        typed: str | None = super().format_value(value)  # what the person typed, kept as typed
        return typed

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.setdefault("placeholder", dates.typing_example()[0])
        widget_attrs["data-date-style"] = dates.current_style()
        widget_attrs["data-pick-label"] = _("Open the calendar")
        if widget_attrs.get("id"):
            widget_attrs["aria-describedby"] = f"{widget_attrs['id']}-format"
        return context

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        box = super().render(name, value, attrs, renderer)
        return _with_hint(box, (attrs or {}).get("id") or self.attrs.get("id"))


def _with_hint(html: SafeString, date_box_id: str | None) -> SafeString:
    if not date_box_id:
        return html
    return format_html(
        '<span class="date-entry">{}<span class="date-hint" id="{}-format">{}</span></span>',
        html,
        date_box_id,
        format_hint(),
    )


class ClinicDateField(forms.DateField):
    """A date typed in the clinic's format (or ISO); a clear message for anything else."""

    widget = ClinicDateInput

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        parsed = dates.parse_day(str(value))
        if parsed is None:
            raise forms.ValidationError(bad_date_message(), code="invalid")
        return parsed


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class ClinicDateTimeInput(forms.MultiWidget):
    """The date as a clinic date box, the time as the browser's time input. The date box keeps
    the field's own name, so a script posting one ISO value ("2026-11-01T10:00") still works."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"": ClinicDateInput(), "time": TimeInput()}, attrs)

    def id_for_label(self, id_: str) -> str:
        # The field's label names the date box; the time box carries its own (below).
        return f"{id_}_0" if id_ else id_

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["subwidgets"][1]["attrs"]["aria-label"] = _("Time")
        return context

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        field_id = (attrs or {}).get("id") or self.attrs.get("id")
        return _with_hint(html, f"{field_id}_0" if field_id else None)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, str):
            return [value, None]
        if value is None:
            return [None, None]
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return [value.date(), value.time().replace(second=0, microsecond=0)]


class ClinicDateTimeField(forms.MultiValueField):
    """A moment: the day in the clinic's format and a time, in the clinic's time zone."""

    widget = ClinicDateTimeInput
    default_error_messages = {"incomplete": "", "time": ""}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        super().__init__(
            fields=(
                forms.CharField(required=False),
                forms.TimeField(required=False, input_formats=["%H:%M", "%H:%M:%S"]),
            ),
            require_all_fields=False,
            **kwargs,
        )

    def clean(self, value: Any) -> dt.datetime | None:
        day_text, time_text = (list(value) + [None, None])[:2] if value else (None, None)
        day_text = (day_text or "").strip() if isinstance(day_text, str) else day_text
        if not day_text and not time_text:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        # One ISO moment in the date box (a script) wins over the time box's pre-filled time.
        moment = _one_iso_value(day_text) if isinstance(day_text, str) else None
        if moment is None:
            moment = self._combine(day_text, time_text)
        self.validate(moment)
        self.run_validators(moment)
        return moment

    def _combine(self, day_text: Any, time_text: Any) -> dt.datetime:
        day = ClinicDateField(required=True).clean(day_text)
        if not time_text:
            raise forms.ValidationError(_("Enter the time, e.g. 14:30."), code="time")
        try:
            at = forms.TimeField(input_formats=["%H:%M", "%H:%M:%S"]).clean(time_text)
        except forms.ValidationError:
            raise forms.ValidationError(_("Enter the time, e.g. 14:30."), code="time") from None
        return from_current_timezone(dt.datetime.combine(day, at))

    def compress(self, data_list: list[Any]) -> Any:  # clean() does the work
        return data_list

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return bool(self.clean(data) != initial)
        except forms.ValidationError:
            return True


def _one_iso_value(text: str) -> dt.datetime | None:
    """ "2026-11-01T10:00" or "2026-11-01 10:00" in the date box alone (a script, not a person)."""
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return from_current_timezone(dt.datetime.strptime(text, pattern))
        except ValueError:
            continue
    return None

"""Forms of the self-check, the reminder setting, the journal and sharing."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from alliance.date_inputs import ClinicDateField

from . import scoring
from .models import TEXT_MAX, JournalEntry, ReminderInterval

ANSWER_CHOICES = [
    (str(value), f"{value} {label}") for value, label in enumerate(scoring.ANSWER_LABELS)
]


class SelfCheckForm(forms.Form):
    """One radio row per item of scoring.ITEMS; scoring.clean_answers has the last word."""

    form_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["form_key"] = uuid.uuid4().hex
        for item in scoring.ITEMS:
            self.fields[item.key] = forms.ChoiceField(
                label=item.text,
                choices=ANSWER_CHOICES,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Please choose an answer."),
                    "invalid_choice": _("Choose an answer from 0 to 4."),
                },
            )

    def items(self) -> list[forms.BoundField]:
        return [self[item.key] for item in scoring.ITEMS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                data["answers"] = scoring.clean_answers(data)
            except scoring.AnswerError as error:
                raise forms.ValidationError(str(error)) from None
        return data


class ReminderForm(forms.Form):
    reminder = forms.ChoiceField(
        label=_("Remind me to do the self-check"),
        choices=ReminderInterval.choices,
        error_messages={"invalid_choice": _("Choose off, weekly, every two weeks or monthly.")},
    )


class JournalEntryForm(forms.ModelForm):
    class Meta:
        model = JournalEntry
        fields = ["written_on", "topic", "text", "episode"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8, "maxlength": TEXT_MAX}),
        }
        field_classes = {"written_on": ClinicDateField}

    def __init__(self, *args: Any, episodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only episodes the author can see through access.py; an episode they can no longer see
        # drops out of the list, and saving the entry then unlinks it.
        self.fields["episode"].queryset = episodes
        self.fields["episode"].empty_label = _("(none)")
        self.fields["episode"].error_messages["invalid_choice"] = _(
            "Choose one of your own care episodes, or none."
        )
        self.fields["written_on"].error_messages["required"] = _("Enter the date.")
        self.fields["topic"].error_messages["invalid_choice"] = _("Choose what the entry is about.")
        self.fields["text"].error_messages["max_length"] = _(
            "Keep the reflection under %(limit)s characters."
        ) % {"limit": f"{TEXT_MAX:,}"}


class ShareForm(forms.Form):
    supervisor = forms.ModelChoiceField(
        queryset=None,
        label=_("Share with"),
        empty_label=None,
        error_messages={
            "required": _("Choose one of your supervisors."),
            "invalid_choice": _("Choose one of your supervisors."),
        },
    )

    def __init__(self, *args: Any, supervisors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors

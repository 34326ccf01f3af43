"""Forms of the plan page, the client's goal review and the client's preferences.

Django's CharField already refuses NUL characters with a message beside the field; wording is
stripped and must not be blank.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.date_inputs import ClinicDateField

from .models import WORDING_MAX, ClientPreferences, Goal, GoalReviewSettings, Task

SCORE_CHOICES = [(str(v), str(v)) for v in range(11)]
NEW_GOAL_MAX = 300


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["wording", "proposed_by", "status", "review_on"]
        widgets = {
            "wording": forms.Textarea(attrs={"rows": 2, "maxlength": WORDING_MAX}),
        }
        field_classes = {"review_on": ClinicDateField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wording"].error_messages["required"] = _(
            "Write the goal in the client's own words."
        )
        if self.instance.pk is None:
            # A new goal is always active; it can be marked achieved later.
            del self.fields["status"]

    def clean_wording(self) -> str:
        wording = self.cleaned_data["wording"].strip()
        if not wording:
            raise forms.ValidationError(_("Write the goal in the client's own words."))
        return wording


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["wording", "proposed_by", "status"]
        widgets = {"wording": forms.TextInput(attrs={"maxlength": WORDING_MAX})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wording"].error_messages["required"] = _(
            "Describe the task or approach you agreed."
        )
        if self.instance.pk is None:
            del self.fields["status"]

    def clean_wording(self) -> str:
        wording = self.cleaned_data["wording"].strip()
        if not wording:
            raise forms.ValidationError(_("Describe the task or approach you agreed."))
        return wording


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = GoalReviewSettings
        fields = ["every_n"]
        widgets = {"every_n": forms.NumberInput(attrs={"min": 0, "max": 52})}

    def clean_every_n(self) -> int:
        value = self.cleaned_data["every_n"]
        if value is None or not 0 <= value <= 52:
            raise forms.ValidationError(_("Choose a number from 0 (off) to 52."))
        return int(value)


class GoalReviewForm(forms.Form):
    """For each active goal: still the right goal (0–10), progress (0–10), 'no longer fits';
    and one new goal in the client's own words. Everything is optional."""

    new_goal = forms.CharField(
        label=gettext_lazy("Is there a goal you would like to add? In your own words:"),
        max_length=NEW_GOAL_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NEW_GOAL_MAX}),
    )

    def __init__(self, goals: list[Goal], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            for name in ("right", "progress"):
                self.fields[f"{name}-{goal.pk}"] = forms.TypedChoiceField(
                    choices=SCORE_CHOICES,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": _("Please choose a number from 0 to 10.")},
                )
            self.fields[f"unfit-{goal.pk}"] = forms.BooleanField(
                required=False, label=gettext_lazy("This goal no longer fits me")
            )

    def rows(self) -> list[dict[str, Any]]:
        """What the template draws for each goal, with the values kept after an error."""
        rows = []
        for goal in self.goals:
            rows.append(
                {
                    "goal": goal,
                    "right": self[f"right-{goal.pk}"],
                    "progress": self[f"progress-{goal.pk}"],
                    "unfit": self[f"unfit-{goal.pk}"],
                    "right_value": str(self[f"right-{goal.pk}"].value() or ""),
                    "progress_value": str(self[f"progress-{goal.pk}"].value() or ""),
                }
            )
        return rows

    def ratings(self) -> dict[int, tuple[int | None, int | None]]:
        data = self.cleaned_data
        return {g.pk: (data.get(f"right-{g.pk}"), data.get(f"progress-{g.pk}")) for g in self.goals}

    def unfit(self) -> list[int]:
        return [g.pk for g in self.goals if self.cleaned_data.get(f"unfit-{g.pk}")]


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = ClientPreferences
        fields = ["pace", "directness", "homework", "feedback", "when_off", "identity"]
        widgets = {
            "pace": forms.RadioSelect,
            "directness": forms.RadioSelect,
            "homework": forms.RadioSelect,
            "feedback": forms.RadioSelect,
            "when_off": forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
            "identity": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("pace", "directness", "homework", "feedback"):
            field = self.fields[name]
            field.required = False
            field.choices = [("", _("No preference"))] + [c for c in field.choices if c[0] != ""]


class AgendaForm(forms.Form):
    focus = forms.CharField(
        label=gettext_lazy("What would you like to focus on today?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=gettext_lazy("Optional. A few words are enough."),
    )
    worked_on = forms.TypedChoiceField(
        label=gettext_lazy("After the session: did we work on what you wanted?"),
        choices=SCORE_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Please choose a number from 0 to 10.")},
    )

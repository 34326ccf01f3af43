from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import analysis
from .models import AlertKind, AlertState, Prompt


class AlertActionForm(forms.Form):
    to_state = forms.ChoiceField(choices=AlertState.choices, widget=forms.HiddenInput)
    what_was_said = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("What was said"),
        help_text=_("Briefly, in your words. This is a repair record, not psychotherapy notes."),
    )
    client_response = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("How the client responded"),
    )
    note = forms.CharField(
        required=False, max_length=2000, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2})
    )


class PromptForm(forms.ModelForm):
    class Meta:
        model = Prompt
        fields = ["kind", "text", "position", "active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


# The thresholds an admin may change, with the bounds that keep the rules meaningful.
EDITABLE_THRESHOLDS: dict[str, tuple[float, float, str]] = {
    "drop_k_sd": (0.5, 4.0, _("Drop of the whole relationship: noise units (z) below usual")),
    "drop_item_z": (1.0, 5.0, _("Drop of one aspect: noise units (z) below usual")),
    "drop_typical_noise": (0.2, 3.0, _("Drop: the clinic's typical item noise, points")),
    "drop_min_points": (0.0, 6.0, _("Drop: smallest fall of the alliance mean that can count")),
    "drop_min_baseline": (2, 10, _("Drop: sessions needed before a baseline is trusted")),
    "repair_margin": (0.0, 3.0, _("Repair: points below the usual level that still count")),
    "low_alliance_cutoff": (0.0, 10.0, _("Low alliance: cutoff on the 0–10 mean")),
    "overestimation_gap": (0.5, 5.0, _("Therapist above client: gap in points")),
    "overestimation_sessions": (2, 10, _("Therapist above client: sessions in a row")),
    "split_gap": (0.5, 6.0, _("Split alliance: points between participants")),
    "on_track_first_percentile": (
        0.5,
        0.99,
        _(
            "Not on track, at the first score after intake: worse off than this share of "
            "clients who started alike"
        ),
    ),
    "on_track_early_percentile": (
        0.5,
        0.95,
        _("Not on track, up to session 3: worse off than this share"),
    ),
    "on_track_percentile": (
        0.5,
        0.95,
        _("Not on track, later: worse off than this share"),
    ),
    "weak_early_percentile": (
        0.05,
        0.5,
        _("Weak early alliance: below this share of the clinic's clients at that session"),
    ),
    "weak_early_sessions": (2, 12, _("Weak early alliance: the first sessions it looks at")),
    "not_on_track_session": (
        2,
        30,
        _("Not on track (measures without a curve): reliable improvement expected by session"),
    ),
}


class ThresholdsForm(forms.Form):
    def __init__(self, *args: Any, current: analysis.Thresholds, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high, label) in EDITABLE_THRESHOLDS.items():
            default = getattr(analysis.DEFAULT_THRESHOLDS, name)
            field_class = forms.IntegerField if isinstance(default, int) else forms.FloatField
            self.fields[name] = field_class(
                label=label,
                min_value=low,
                max_value=high,
                initial=getattr(current, name),
                help_text=_("Project default: %(d)s") % {"d": default},
            )

    def overrides(self) -> dict[str, float]:
        defaults = dataclasses.asdict(analysis.DEFAULT_THRESHOLDS)
        return {k: v for k, v in self.cleaned_data.items() if defaults.get(k) != v}


KIND_CHOICES = AlertKind.choices

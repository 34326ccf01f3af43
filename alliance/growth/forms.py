"""Forms of the growth pages. Django's CharField already refuses NUL characters with a message
beside the field; free text is stripped and must not be blank."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.date_inputs import ClinicDateField

from .models import (
    NOTE_MAX,
    OPTION_MAX,
    SEEDED_SKILLS,
    AttributeDefinition,
    GrowthSettings,
)

OWN_SKILL = "own"
MAX_OPTIONS = 30
MAX_PRACTICE_DAYS = 366
REQUIRED_DATE = gettext_lazy("Enter the date.")
EARLIEST = dt.date(1900, 1, 1)


def _date_field(label: Any) -> forms.DateField:
    return ClinicDateField(label=label, error_messages={"required": REQUIRED_DATE})


class AttributeDefinitionForm(forms.ModelForm):
    options_text = forms.CharField(
        label=gettext_lazy("Answers to choose from"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One per line, at least two; e.g. 18–25, 26–40, 41–65, over 65."),
        error_messages={"required": gettext_lazy("List at least two answers, one per line.")},
    )

    field_order = ["name", "options_text", "identity_factor", "active"]

    class Meta:
        model = AttributeDefinition
        fields = ["name", "identity_factor", "active"]

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["name"].error_messages["required"] = _("Give the attribute a name.")
        if self.instance.pk:
            self.initial["options_text"] = "\n".join(self.instance.options)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the attribute a name."))
        taken = AttributeDefinition.objects.filter(
            organization=self.organization, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("This organization already records an attribute of this name.")
            )
        return name

    def clean_options_text(self) -> list[str]:
        options = list(
            dict.fromkeys(line.strip() for line in self.cleaned_data["options_text"].splitlines())
        )
        options = [o for o in options if o]
        if len(options) < 2:
            raise forms.ValidationError(_("List at least two answers, one per line."))
        if len(options) > MAX_OPTIONS:
            raise forms.ValidationError(_("At most %(n)d answers.") % {"n": MAX_OPTIONS})
        if any(len(o) > OPTION_MAX for o in options):
            raise forms.ValidationError(
                _("Keep each answer under %(n)d characters.") % {"n": OPTION_MAX}
            )
        return options

    def save(self, commit: bool = True) -> AttributeDefinition:
        definition: AttributeDefinition = super().save(commit=False)
        definition.organization = self.organization
        definition.options = self.cleaned_data["options_text"]
        if commit:
            definition.save()
        return definition


class ClientAttributesForm(forms.Form):
    """One choice per attribute in use, and the client's consent for all of them."""

    consent = forms.BooleanField(
        label=gettext_lazy("The client agreed to record this for pattern reviews."),
        required=False,
        help_text=gettext_lazy("Needed for every new or changed answer."),
    )

    def __init__(
        self, *args: Any, definitions: list[AttributeDefinition], current: dict[int, str], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.definitions = definitions
        self.current = current
        for definition in definitions:
            choices = [("", _("Not recorded"))] + [(o, o) for o in definition.options]
            value = current.get(definition.pk, "")
            if value and value not in definition.options:
                # An answer since taken off the list stays visible until someone changes it.
                choices.append((value, value))
            self.fields[self.key(definition)] = forms.ChoiceField(
                label=definition.name,
                choices=choices,
                required=False,
                initial=value,
                help_text=AttributeDefinition._meta.get_field("identity_factor").help_text
                if definition.identity_factor
                else "",
                error_messages={"invalid_choice": _("Choose one of the listed answers.")},
            )
        self.fields["consent"] = self.fields.pop("consent")  # after the answers it covers

    @staticmethod
    def key(definition: AttributeDefinition) -> str:
        return f"attribute_{definition.pk}"

    def answers(self) -> dict[int, str]:
        return {d.pk: self.cleaned_data.get(self.key(d)) or "" for d in self.definitions}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Consent covers each answer when it is recorded: a new or changed answer needs the box
        # ticked again; keeping or removing answers does not.
        new = any(
            data.get(self.key(d)) and data.get(self.key(d)) != self.current.get(d.pk)
            for d in self.definitions
        )
        if new and not data.get("consent"):
            self.add_error(
                "consent",
                _(
                    "Record these only with the client's agreement: tick the box to confirm "
                    "they agreed, or set every answer to 'Not recorded'."
                ),
            )
        return data


class PracticePeriodForm(forms.Form):
    skill_choice = forms.ChoiceField(
        label=gettext_lazy("Skill to practise"),
        error_messages={
            "required": gettext_lazy("Choose a skill, or write your own."),
            "invalid_choice": gettext_lazy("Choose a skill from the list, or write your own."),
        },
    )
    own_skill = forms.CharField(
        label=gettext_lazy("In your own words"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Only when you chose 'In my own words' above."),
    )
    starts_on = _date_field(gettext_lazy("From"))
    ends_on = _date_field(gettext_lazy("Until (inclusive)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(i), str(skill)) for i, skill in enumerate(SEEDED_SKILLS)]
        self.fields["skill_choice"].choices = [
            *choices,
            (OWN_SKILL, _("In my own words")),
        ]
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today + dt.timedelta(days=27)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice, own = data.get("skill_choice"), (data.get("own_skill") or "").strip()
        if choice == OWN_SKILL and not own:
            self.add_error("own_skill", _("Write the skill you want to practise."))
        elif choice is not None:
            data["skill"] = own if choice == OWN_SKILL else str(SEEDED_SKILLS[int(choice)])
        first, last = data.get("starts_on"), data.get("ends_on")
        if first and first < EARLIEST:
            # The comparison period ends the day before the start; from year 1 there is none
            # (and computing it would overflow).
            self.add_error("starts_on", _("Choose a start in 1900 or later."))
        elif first and last:
            if last < first:
                self.add_error("ends_on", _("The end comes before the start."))
            elif (last - first).days + 1 > MAX_PRACTICE_DAYS:
                self.add_error("ends_on", _("Keep a practice period to a year at most."))
        return data


class SupervisionNoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Supervision note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX}),
        help_text=gettext_lazy(
            "About your supervision with this therapist, not a clinical note; they can read it."
        ),
        error_messages={"required": gettext_lazy("Write the note first.")},
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write the note first."))
        return text


class GrowthSettingsForm(forms.ModelForm):
    class Meta:
        model = GrowthSettings
        fields = ["rupture_discussion_days"]
        widgets = {"rupture_discussion_days": forms.NumberInput(attrs={"min": 1, "max": 365})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rupture_discussion_days"]
        for code in ("required", "invalid", "min_value", "max_value"):
            field.error_messages[code] = _("Choose a number of days from 1 to 365.")

    def clean_rupture_discussion_days(self) -> int:
        days = self.cleaned_data["rupture_discussion_days"]
        if days is None or not 1 <= days <= 365:
            raise forms.ValidationError(_("Choose a number of days from 1 to 365."))
        return int(days)

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Role, User

from .models import MAX_ESCALATION_HOURS as MAX_HOURS
from .models import EscalateTo, Policy, Preference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["risk_email", "digest_email"]

    def __init__(self, *args: Any, required_by_clinic: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if required_by_clinic:
            # Shown on and locked; the person's own choice is kept for when the rule is lifted.
            field = self.fields["risk_email"]
            field.disabled = True
            field.initial = True
            field.help_text = _("Your organization requires this email; it cannot be turned off.")


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ["require_risk_email", "escalate_after_hours", "escalate_to", "duty_clinician"]

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinicians = User.objects.filter(
            memberships__organization=organization,
            memberships__role__in=[Role.THERAPIST, Role.SUPERVISOR],
            is_active=True,
        ).distinct()
        field = self.fields["duty_clinician"]
        field.queryset = clinicians  # type: ignore[attr-defined]
        field.help_text = _(
            "Used when risk answers go to a named duty clinician. They can open the client's "
            "record only if they supervise the therapist or take part in the episode; "
            "otherwise the notice tells them whose client it is."
        )
        self.fields["escalate_after_hours"].widget.attrs.update(min=0, max=MAX_HOURS)

    def clean_escalate_after_hours(self) -> int:
        hours = self.cleaned_data["escalate_after_hours"]
        if hours > MAX_HOURS:
            raise forms.ValidationError(_("At most %(n)s hours (a week).") % {"n": MAX_HOURS})
        return int(hours)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("escalate_to") == EscalateTo.DUTY and not data.get("duty_clinician"):
            self.add_error("duty_clinician", _("Choose the duty clinician."))
        return data

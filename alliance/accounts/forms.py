from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organization, Role, User


class AddMemberForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(max_length=150, label=_("First name"))
    last_name = forms.CharField(max_length=150, required=False, label=_("Last name"))
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=True),
        label=_("Temporary password"),
        help_text=_(
            "Give it to them privately and ask them to change it after signing in. Someone who "
            "already has an Alliance account keeps their password and is asked to accept."
        ),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        email, role = data.get("email"), data.get("role")
        existing = User.objects.filter(email=email).first() if email else None
        if (
            existing
            and role
            and Membership.objects.filter(
                user=existing, organization=self.organization, role=role
            ).exists()
        ):
            self.add_error("role", _("This person already has that role here."))
        # Always asked for and checked, so the form never tells whether an address already has
        # an account somewhere else; it is used only when the account is new.
        password = data.get("password")
        if not password:
            self.add_error("password", _("Give a temporary password."))
        elif email:
            try:
                validate_password(password, User(email=email))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class AddRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=_("Add role"))


class SupervisionForm(forms.Form):
    supervisor = forms.ModelChoiceField(queryset=User.objects.none())
    therapist = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, role in (("supervisor", Role.SUPERVISOR), ("therapist", Role.THERAPIST)):
            field = self.fields[name]
            field.queryset = User.objects.filter(
                memberships__organization=organization, memberships__role=role
            ).distinct()
            field.label_from_instance = lambda u: u.display_name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("supervisor") and data.get("supervisor") == data.get("therapist"):
            self.add_error("therapist", _("A person cannot supervise themself."))
        return data


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "require_two_factor",
            "admins_see_clinical_data",
            "checkin_link_hours",
            "client_contact",
            "time_zone",
            "date_style",
        ]
        # In words a clinic uses (the model's field names are for the code).
        labels = {
            "name": _("Clinic name"),
            "require_two_factor": _("Require two-factor sign-in"),
            "admins_see_clinical_data": _("Admins may read clinical data"),
            "checkin_link_hours": _("Check-in links stay valid for (hours)"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A settings form sent without the newer fields keeps the clinic's date style.
        self.fields["date_style"].required = False

    def clean_date_style(self) -> str:
        return self.cleaned_data["date_style"] or self.instance.date_style or "dmy"

    def clean_time_zone(self) -> str:
        import zoneinfo

        name = self.cleaned_data["time_zone"].strip()
        if name and name not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                _("Use a time zone name such as Europe/London or America/New_York.")
            )
        return name

    def clean_checkin_link_hours(self) -> int:
        hours = self.cleaned_data["checkin_link_hours"]
        if not 1 <= hours <= 24 * 30:
            raise forms.ValidationError(_("Choose between 1 hour and 30 days (720 hours)."))
        return hours

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Membership, Organization, Role, User
from alliance.converters import parse_id
from alliance.date_inputs import ClinicDateField, ClinicDateTimeField

from .models import (
    CareEpisode,
    Client,
    EpisodeFormat,
    ParticipantRole,
    Session,
)

# How many clients each format takes part with: (fewest, most).
CLIENTS_PER_FORMAT = {
    EpisodeFormat.INDIVIDUAL: (1, 1),
    EpisodeFormat.COUPLE: (2, 2),
    EpisodeFormat.FAMILY: (2, 20),
    EpisodeFormat.GROUP: (2, 30),
}
CLIENT_ROLE_FOR_FORMAT = {
    EpisodeFormat.INDIVIDUAL: ParticipantRole.CLIENT,
    EpisodeFormat.COUPLE: ParticipantRole.PARTNER,
    EpisodeFormat.FAMILY: ParticipantRole.FAMILY_MEMBER,
    EpisodeFormat.GROUP: ParticipantRole.GROUP_MEMBER,
}


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["code", "display_name", "email", "phone"]

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if "," in code:
            # The audit trail lists a shared episode's clients as comma-separated codes; a comma
            # in one would make it two clients there (and hide it from an erasure's redaction).
            raise forms.ValidationError(_("A client code cannot contain a comma."))
        taken = Client.objects.filter(organization=self.organization, code__iexact=code)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another client in this clinic already has this code."))
        return code


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Ids typed into a form, each checked before the query: SQLite cannot even compare a number
    above 2**63 and would answer 500 instead of the field's message."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class StaffChoiceField(IdsChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class EpisodeForm(forms.ModelForm):
    clients = IdsChoiceField(
        queryset=Client.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One for individual therapy, two for a couple, two or more otherwise."),
    )
    co_therapists = StaffChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    interpreters = StaffChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CareEpisode
        fields = ["format", "title", "started_on", "clients", "co_therapists", "interpreters"]
        field_classes = {"started_on": ClinicDateField}

    def __init__(
        self, *args: Any, clients: Any, organization: Organization, user: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clients"].queryset = clients
        staff = _members(organization, Role.THERAPIST).exclude(pk=user.pk)
        self.fields["co_therapists"].queryset = staff
        self.fields["interpreters"].queryset = _members(organization).exclude(pk=user.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        fmt, clients = data.get("format"), data.get("clients")
        if fmt and clients is not None:
            fewest, most = CLIENTS_PER_FORMAT[EpisodeFormat(fmt)]
            if not fewest <= len(clients) <= most:
                self.add_error("clients", _clients_message(fmt, fewest, most))
        overlap = set(data.get("co_therapists") or []) & set(data.get("interpreters") or [])
        if overlap:
            self.add_error("interpreters", _("A person cannot be co-therapist and interpreter."))
        return data


def _clients_message(fmt: str, fewest: int, most: int) -> str:
    label = EpisodeFormat(fmt).label
    if fewest == most:
        return _("%(format)s therapy takes exactly %(n)d client(s).") % {
            "format": label,
            "n": fewest,
        }
    return _("%(format)s therapy takes %(fewest)d to %(most)d clients.") % {
        "format": label,
        "fewest": fewest,
        "most": most,
    }


def _members(organization: Organization, role: str | None = None) -> Any:
    memberships = Membership.objects.filter(organization=organization)
    if role:
        memberships = memberships.filter(role=role)
    return User.objects.filter(pk__in=memberships.values("user_id")).distinct()


class EpisodeDetailsForm(forms.ModelForm):
    class Meta:
        model = CareEpisode
        fields = ["title", "started_on"]
        field_classes = {"started_on": ClinicDateField}


class StatusChangeForm(forms.Form):
    reason = forms.CharField(
        max_length=200, required=False, label=_("Reason (optional, not clinical notes)")
    )


class AddClientParticipantForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class AddStaffParticipantForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label=_("Colleague"))
    role = forms.ChoiceField(
        choices=[
            (ParticipantRole.CO_THERAPIST, ParticipantRole.CO_THERAPIST.label),
            (ParticipantRole.INTERPRETER, ParticipantRole.INTERPRETER.label),
        ]
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _members(organization)
        self.fields["user"].label_from_instance = lambda u: u.display_name
        self.organization = organization

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user, role = data.get("user"), data.get("role")
        if (
            user
            and role == ParticipantRole.CO_THERAPIST
            and not Membership.objects.filter(
                user=user, organization=self.organization, role=Role.THERAPIST
            ).exists()
        ):
            self.add_error("user", _("A co-therapist needs the therapist role in this clinic."))
        return data


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["starts_at", "duration_minutes", "status"]
        field_classes = {"starts_at": ClinicDateTimeField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duration_minutes"].min_value = 5
        self.fields["duration_minutes"].widget.attrs.update(min=5, max=600)
        if not self.instance.pk and not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("starts_at", now)

    def clean_duration_minutes(self) -> int:
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 600:
            raise forms.ValidationError(_("A session lasts between 5 and 600 minutes."))
        return minutes

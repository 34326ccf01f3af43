"""A therapist's own growth: the client attributes an organization records for pattern reviews,
practice periods for a chosen skill, supervision notes, and the organization's settings.

Client attributes belong to the client record: they are written only with the client's consent
for this purpose and audited like any change to a client.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.audit.audited import AuditedModel

NOTE_MAX = 2000
OPTION_MAX = 80

# Skills a therapist may pick to practise (DOMAIN.md section 4); they may also write their own.
SEEDED_SKILLS: tuple[Any, ...] = (
    _("Ask for feedback at the end of each session"),
    _("Reflect back before advising"),
    _("Name a possible rupture when I notice one"),
    _("Offer a choice about how to use the session"),
    _("Check my understanding: summarise what the client said"),
    _("Revisit the goals together"),
    _("Explore differences (culture, language, identity) and how they show up in the room"),
)


class AttributeDefinition(AuditedModel):
    """Something an organization chooses to record about clients for pattern reviews, with the
    answers it allows (an age band, a presenting concern, a language...)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="client_attributes"
    )
    name = models.CharField(_("name"), max_length=60)
    options = models.JSONField(_("options"), default=list)
    identity_factor = models.BooleanField(
        _("identity factor"),
        default=False,
        help_text=_(
            "Ethnicity, gender identity, sexuality, religion, disability and the like: recorded "
            "only when the client chose to share it for this purpose."
        ),
    )
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="attribute_name_once")
        ]
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ClientAttribute(AuditedModel):
    """One client's answer to one attribute, recorded because the client agreed to it."""

    client = models.ForeignKey(
        "care.Client", on_delete=models.CASCADE, related_name="pattern_attributes"
    )
    definition = models.ForeignKey(
        AttributeDefinition, on_delete=models.CASCADE, related_name="values"
    )
    value = models.CharField(max_length=OPTION_MAX)
    # When and by whom the client's consent for this purpose was recorded.
    consented_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "definition"], name="client_attribute_once")
        ]
        ordering = ["definition__name"]

    def __str__(self) -> str:
        return f"{self.definition.name}: {self.value}"

    @property
    def organization(self) -> Any:
        return self.client.organization

    def audit_client_code(self) -> str:
        return str(self.client.code)

    # The value is sensitive (it may be an identity factor) and has few possible values, so even
    # a fingerprint would give it away: the trail records that it changed, never what it says.
    audit_private_fields = ("value",)


class PracticePeriod(AuditedModel):
    """A skill a therapist chose to practise over a period, compared with the period before."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_periods"
    )
    skill = models.CharField(_("skill"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="practice_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.skill} ({self.starts_on} – {self.ends_on})"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class SupervisionNote(AuditedModel):
    """A note a supervisor keeps about supervision with one therapist. Not a clinical note: the
    therapist reads it too (docs/growth.md explains why)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_notes"
    )
    text = models.TextField(_("note"), max_length=NOTE_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Supervision note for {self.therapist} on {self.created_at:%Y-%m-%d}"

    audit_content_fields = ("text",)


class GrowthSettings(AuditedModel):
    """An organization's settings for the supervision view."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="growth_settings"
    )
    rupture_discussion_days = models.PositiveSmallIntegerField(
        _("days to discuss a rupture"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "The supervision page lists ruptures not yet discussed with the client this many "
            "days after they were raised."
        ),
    )

    def __str__(self) -> str:
        return f"Growth settings of {self.organization}"


def own_practice_period(viewer: Any, pk: int) -> PracticePeriod:
    """One of the viewer's own practice periods in their organization; anyone else's is a 404."""
    period = PracticePeriod.objects.filter(
        organization=viewer.organization, therapist=viewer.user, pk=pk
    ).first()
    if period is None:
        raise Http404("Not found")
    return period


class MonthFigure(models.Model):
    """One measure of one completed calendar month for the whole organization, as the
    organization view shows it: the clients' own means summarised (how many clients, how many
    ratings, the mean of the client means and their sample variance).

    Stored so that the organization view reads a few dozen rows instead of every response of
    the months it shows. A completed month changes only when a late answer, a correction or an
    erasure touches it; each of those removes the month's rows (see `growth.summaries`) and the
    worker stores them again. A month without rows is computed from the responses on the fly.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(help_text="The first day of the calendar month.")
    measure = models.CharField(max_length=20)
    clients = models.PositiveIntegerField()
    ratings = models.PositiveIntegerField()
    mean = models.FloatField()
    variance = models.FloatField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month", "measure"], name="growth_month_figure_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.month:%Y-%m} of organization {self.organization_id}"

"""What staff are told: in-app notifications, each person's choices, the organization's rules
for risk answers, and the watch kept on each risk answer until someone acknowledges it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.audit.audited import AuditedModel


class Kind(models.TextChoices):
    CHECKIN = "checkin", _("New check-in")
    RISK = "risk", _("Risk answer")
    ALERT = "alert", _("New alert")
    ESCALATION = "escalation", _("Risk answer not acknowledged")


class Notification(models.Model):
    """One line in one person's list. It names no client: the page reads the client through
    the episode, so an erased client or a therapist who left the episode shows nothing."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    episode = models.ForeignKey(
        "care.CareEpisode", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    participant = models.ForeignKey(
        "care.Participant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    alert = models.ForeignKey(
        "insights.Alert", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_number = models.PositiveIntegerField(null=True, blank=True)
    # What the line is about, e.g. "checkin:<session>:<participant>": each person hears about
    # one thing once, however many answers or recomputes it took.
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notify_once_per_person")
        ]
        indexes = [
            # The badge's count on every staff page reads only this small index.
            models.Index(
                fields=["recipient", "organization"],
                condition=models.Q(read_at__isnull=True),
                name="unread_notifications",
            ),
            models.Index(fields=["recipient", "episode"], name="notifications_of_episode"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}"


class Preference(AuditedModel):
    """What one person wants by email, in one organization; no row means the defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    risk_email = models.BooleanField(
        _("email me at once when a client of mine answers a risk question"),
        default=True,
        help_text=_("The email says only that there is something to see; sign in to read it."),
    )
    digest_email = models.BooleanField(
        _("a daily email with the number of new check-ins and alerts"),
        default=False,
        help_text=_("Counts and a link only; no names."),
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_preference_row")
        ]

    def __str__(self) -> str:
        return f"Notification choices of {self.user_id} in {self.organization_id}"


# Escalation waits at most a week: a risk answer left longer has waited too long already.
MAX_ESCALATION_HOURS = 168


class EscalateTo(models.TextChoices):
    SUPERVISOR = "supervisor", _("The therapist's supervisor")
    DUTY = "duty", _("A named duty clinician")


class Policy(AuditedModel):
    """The organization's rules for risk answers; no row means the defaults."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="notification_policy"
    )
    require_risk_email = models.BooleanField(
        _("everyone receives the risk email"),
        default=False,
        help_text=_("Then nobody can turn off the email about a risk answer."),
    )
    escalate_after_hours = models.PositiveIntegerField(
        _("escalate after (hours)"),
        default=24,
        help_text=_(
            "If nobody has acknowledged a risk alert after this many hours, it is escalated. "
            "0 turns escalation off."
        ),
    )
    escalate_to = models.CharField(
        _("escalate to"), max_length=12, choices=EscalateTo.choices, default=EscalateTo.SUPERVISOR
    )
    duty_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("duty clinician"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification rules of {self.organization_id}"


class RiskWatch(models.Model):
    """One risk answer (the risk alert's concern), from its arrival until it is acknowledged or
    escalated. Written from the stored response and again, as a safety net, from the raised
    alert; the unique concern makes the two one row, so the email goes out once."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    episode = models.ForeignKey("care.CareEpisode", on_delete=models.CASCADE, related_name="+")
    concern = models.CharField(max_length=200)  # the same as Alert.concern
    raised_at = models.DateTimeField()
    # The email to the therapists: claimed, then sent (a stale claim is taken over).
    notice_claimed_at = models.DateTimeField(null=True, blank=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    escalation_claimed_at = models.DateTimeField(null=True, blank=True)
    escalation_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "concern"], name="watch_risk_once")
        ]
        indexes = [
            models.Index(
                fields=["raised_at"],
                condition=models.Q(acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="risk_watch_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"Risk watch {self.concern} of episode {self.episode_id}"

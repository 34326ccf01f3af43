"""The therapist's own wellbeing self-checks, reminder setting and private reflection journal.

Everything here belongs to one person and is theirs alone: no organization owns it, no admin page
lists it, and the Django operator admin does not register it. The author may share one check or
one journal entry at a time with one of their supervisors (privacy.py holds every lookup).

The audit trail records that something was written, read, shared or deleted, never what it says:
`audit_content_fields` are fingerprinted by alliance.audit.trail, and `audit_private_fields` are
replaced by a placeholder because their values are too few to hide behind a fingerprint (an
answer from 0 to 4, a topic, an episode id could be found by trying them all).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TEXT_MAX = 10_000


class ReminderInterval(models.TextChoices):
    OFF = "off", _("Off")
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month (30 days)")


class WellbeingSettings(models.Model):
    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wellbeing_settings"
    )
    reminder = models.CharField(
        _("remind me to do the self-check"),
        max_length=12,
        choices=ReminderInterval.choices,
        default=ReminderInterval.OFF,
    )
    # With no check yet, the first one is due from the day reminders were switched on.
    reminders_since = models.DateField(null=True, blank=True)
    # When the last reminder went out: the command looks here so it never sends one twice.
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Wellbeing reminder setting {self.pk}"


class _Shareable(models.Model):
    """Shared with at most one supervisor at a time, in the organization of their supervision."""

    shared_with = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shared_in = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_shared(self) -> bool:
        return self.shared_with_id is not None


class SelfCheck(_Shareable):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wellbeing_checks"
    )
    answers = models.JSONField()  # {item key: 0-4}; scores are computed by scoring.py
    checked_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set by the form page, so a double click or a resent form stores one check, not two.
    form_key = models.CharField(max_length=64, blank=True)

    audit_private_fields = ("answers",)

    class Meta:
        ordering = ["checked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "form_key"],
                condition=~models.Q(form_key=""),
                name="one_check_per_form",
            )
        ]

    def __str__(self) -> str:
        return f"Wellbeing self-check {self.pk}"


class JournalTopic(models.TextChoices):
    REFLECTION = "reflection", _("A reflection")
    COUNTERTRANSFERENCE = "countertransference", _("Countertransference")
    HARD_CLIENT = "hard_client", _("A client I find hard")


class JournalEntry(_Shareable):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    written_on = models.DateField(_("date"), default=timezone.localdate)
    topic = models.CharField(
        _("about"), max_length=20, choices=JournalTopic.choices, default=JournalTopic.REFLECTION
    )
    text = models.TextField(
        _("reflection"),
        blank=True,
        max_length=TEXT_MAX,
        help_text=_(
            "Private to you. Not a clinical note: keep notes about clients in your record system."
        ),
    )
    episode = models.ForeignKey(
        "care.CareEpisode",
        verbose_name=_("about one of my care episodes (optional)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_content_fields = ("text",)
    audit_private_fields = ("topic", "episode")

    class Meta:
        ordering = ["-written_on", "-pk"]

    def __str__(self) -> str:
        return f"Reflection journal entry {self.pk}"

"""Measurement plans, check-in requests (the links) and the responses they collect.

Everything here belongs to one organization through its session or episode
(``organization = session.episode.organization``). Rows are written through
alliance.checkins.services, which audits every change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


class Respondent(models.TextChoices):
    CLIENT = "client", _("Client (each client taking part)")
    THERAPIST = "therapist", _("Therapist (and co-therapist)")
    INTERPRETER = "interpreter", _("Interpreter")


class Schedule(models.TextChoices):
    EVERY_SESSION = "every_session", _("Every session")
    FIRST_SESSION = "first_session", _("First session only")
    EVERY_N = "every_n", _("First session, then every N sessions")


class Timing(models.TextChoices):
    BEFORE = "before", _("Before the session")
    AFTER = "after", _("After the session")


class PlanEntry(models.Model):
    """Which instrument (by key, so a new version applies automatically), who answers, when."""

    instrument_key = models.CharField(_("instrument"), max_length=60)
    respondent = models.CharField(_("answered by"), max_length=20, choices=Respondent.choices)
    schedule = models.CharField(_("when"), max_length=20, choices=Schedule.choices)
    every_n = models.PositiveSmallIntegerField(
        _("N"), default=4, help_text=_("Only for 'every N sessions': 4 means sessions 1, 5, 9, ...")
    )
    timing = models.CharField(_("before or after"), max_length=10, choices=Timing.choices)

    class Meta:
        abstract = True
        ordering = ["timing", "pk"]

    def __str__(self) -> str:
        return f"{self.instrument_key}: {self.get_respondent_display()}, {self.describe_schedule()}"

    def is_due(self, session_number: int) -> bool:
        if self.schedule == Schedule.EVERY_SESSION:
            return True
        if self.schedule == Schedule.FIRST_SESSION:
            return session_number == 1
        step = max(1, self.every_n)
        return (session_number - 1) % step == 0

    @property
    def instrument_title(self) -> str:
        """The questionnaire's name as people know it ("PHQ-9 (…)"), not its key."""
        from alliance.measures.models import current_instrument

        instrument = current_instrument(self.instrument_key)
        return instrument.title if instrument else self.instrument_key

    def describe_schedule(self) -> str:
        if self.schedule == Schedule.EVERY_N:
            return str(_("session 1, then every %(n)d sessions") % {"n": self.every_n})
        return str(self.get_schedule_display()).lower()


# "Every session" for these outcome measures is the default of individual therapy, where the
# expected recovery curves need the points; couple, family and group episodes, whose curves
# are not fitted and where every participant answers, keep the earlier default of session 1,
# then every 4 sessions (docs/checkins.md). Any other schedule a clinic sets applies to all.
EVERY_SESSION_IN_INDIVIDUAL_ONLY = ("phq-9", "gad-7")
CONJOINT_OUTCOME_EVERY_N = 4


class ClinicPlanEntry(PlanEntry):
    """A row of the organization's default plan, copied into each new episode."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="checkin_plan"
    )

    class Meta(PlanEntry.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "instrument_key", "respondent"], name="clinic_plan_once"
            )
        ]

    @property
    def every_session_in_individual_only(self) -> bool:
        return (
            self.instrument_key in EVERY_SESSION_IN_INDIVIDUAL_ONLY
            and self.schedule == Schedule.EVERY_SESSION
        )

    def describe_schedule(self) -> str:
        if self.every_session_in_individual_only:
            return str(
                _(
                    "every session in individual therapy; session 1, then every %(n)d sessions "
                    "for couples, families and groups"
                )
                % {"n": CONJOINT_OUTCOME_EVERY_N}
            )
        return super().describe_schedule()


class EpisodePlanEntry(PlanEntry):
    episode = models.ForeignKey(
        "care.CareEpisode", on_delete=models.CASCADE, related_name="checkin_plan"
    )

    class Meta(PlanEntry.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "instrument_key", "respondent"], name="episode_plan_once"
            )
        ]

    @property
    def organization(self):  # noqa: ANN201 - used by the audit trail
        return self.episode.organization

    def audit_client_code(self) -> str:
        return self.episode.audit_client_code()


class EpisodeCheckinSettings(models.Model):
    """Per-episode check-in switches (kept here: the care app's models belong to care)."""

    episode = models.OneToOneField(
        "care.CareEpisode", on_delete=models.CASCADE, related_name="checkin_settings"
    )
    share_progress_with_client = models.BooleanField(
        _("show clients their own progress"),
        default=False,
        help_text=_("After a check-in, the client sees a table of their own past alliance scores."),
    )

    def __str__(self) -> str:
        return f"Check-in settings of episode {self.episode_id}"

    @property
    def organization(self):  # noqa: ANN201
        return self.episode.organization

    def audit_client_code(self) -> str:
        return self.episode.audit_client_code()


class CheckinState(models.TextChoices):
    PENDING = "pending", _("Pending")
    OPENED = "opened", _("Opened")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATES = (CheckinState.PENDING, CheckinState.OPENED)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CheckinRequest(models.Model):
    """One link for one respondent and one session; it may carry several instruments."""

    session = models.ForeignKey(
        "care.Session", on_delete=models.CASCADE, related_name="checkin_requests"
    )
    participant = models.ForeignKey(
        "care.Participant", on_delete=models.PROTECT, related_name="checkin_requests"
    )
    # Only the SHA-256 of the token is stored: a copy of the database opens no link.
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=CheckinState.choices, default=CheckinState.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["session", "participant", "state"])]

    def __str__(self) -> str:
        return f"Check-in {self.pk} for session {self.session.number}"

    @property
    def organization(self):  # noqa: ANN201
        return self.session.episode.organization

    def audit_client_code(self) -> str:
        return self.participant.audit_client_code()

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES and self.expires_at > timezone.now()

    @property
    def shown_state(self) -> str:
        """The state a person should see: an active link past its expiry shows as expired."""
        if self.state in ACTIVE_STATES and self.expires_at <= timezone.now():
            return CheckinState.EXPIRED.label
        return self.get_state_display()

    def matches(self, token: str) -> bool:
        import hmac

        return bool(TOKEN_RE.match(token or "")) and hmac.compare_digest(
            self.token_hash, hash_token(token)
        )

    def instruments(self) -> list:
        return [item.instrument for item in self.items.select_related("instrument")]


def link_hours(organization: object) -> int:
    hours = getattr(organization, "checkin_link_hours", 0) or settings.CHECKIN_LINK_HOURS
    return max(1, int(hours))


def default_expiry(organization: object) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=link_hours(organization))


class CheckinRequestItem(models.Model):
    request = models.ForeignKey(CheckinRequest, on_delete=models.CASCADE, related_name="items")
    instrument = models.ForeignKey(
        "measures.Instrument", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "instrument"], name="request_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.instrument_id}"


class Channel(models.TextChoices):
    LINK = "link", _("Check-in link")
    SELF = "self", _("Own rating (staff)")
    PAPER = "paper", _("Paper form entered by staff")


class Response(models.Model):
    """One completion of one instrument version by one participant for one session."""

    request = models.ForeignKey(
        CheckinRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    session = models.ForeignKey(
        "care.Session", on_delete=models.PROTECT, related_name="checkin_responses"
    )
    participant = models.ForeignKey(
        "care.Participant", on_delete=models.PROTECT, related_name="checkin_responses"
    )
    instrument = models.ForeignKey(
        "measures.Instrument", on_delete=models.PROTECT, related_name="responses"
    )
    # Copied from the instrument so the one-answer rule spans versions.
    instrument_key = models.CharField(max_length=60)
    answers = models.JSONField()
    scores = models.JSONField()
    risk = models.JSONField(default=list)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    entered_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=120, unique=True)
    # As another system sent them (FHIR authored and identifier); submitted_at stays the
    # arrival time here.
    authored_at = models.DateTimeField(null=True, blank=True)
    external_identifier = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["session", "participant", "pk"]
        constraints = [
            # Covers (request, instrument, respondent) too: a request belongs to one session.
            models.UniqueConstraint(
                fields=["session", "participant", "instrument_key"], name="answer_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_key} for session {self.session.number}"

    @property
    def organization(self):  # noqa: ANN201
        return self.session.episode.organization

    def audit_client_code(self) -> str:
        return self.participant.audit_client_code()

    audit_content_fields = ("answers", "scores", "risk")

    @property
    def headline(self) -> tuple[str, float | None] | None:
        """The main scale ('alliance' or 'total') and its score, for compact displays."""
        for key in ("alliance", "total"):
            if key in (self.scores.get("scales") or {}):
                return key, self.scores["scales"][key]
        return None

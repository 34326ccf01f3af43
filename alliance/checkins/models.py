"""Measurement plans, check-in requests (the links) and the responses they collect.

Everything here belongs to one organization through its session or episode
(``organization = session.episode.organization``). Rows are written through
alliance.checkins.services, which audits every change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.accounts.access import Viewer, VisibleQuerySet
from alliance.audit.audited import AuditedModel
from alliance.care.models import CareEpisode
from alliance.measures.models import current_instrument
from alliance.prepared import PreparedLookup

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{40,64}$")
# The between-session pulse (measures/instruments/alliance-pulse.json).
PULSE_KEY = "alliance-pulse"


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


class PlanEntry(AuditedModel):
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
    def organization(self):  # used by the audit trail
        return self.episode.organization

    def audit_client_code(self) -> str:
        return self.episode.audit_client_code()


class EpisodeCheckinSettings(AuditedModel):
    """Per-episode check-in switches (kept here: the care app's models belong to care)."""

    episode = models.OneToOneField(
        "care.CareEpisode", on_delete=models.CASCADE, related_name="checkin_settings"
    )
    share_progress_with_client = models.BooleanField(
        _("show clients their own progress"),
        default=False,
        help_text=_("After a check-in, the client sees a table of their own past alliance scores."),
    )
    send_automatically = models.BooleanField(
        _("send check-in links by themselves"),
        default=True,
        help_text=_(
            "For scheduled sessions: the plan's questions before the session the evening before, "
            "the session check-in at its end. Only to clients who agreed to receive messages."
        ),
    )
    pulse_every_days = models.PositiveSmallIntegerField(
        _("between-session pulse every … days"),
        default=0,
        help_text=_(
            "One question between sessions (How have things been since our last session? 0–10). "
            "0 means off; agree the interval with the client."
        ),
    )

    def __str__(self) -> str:
        return f"Check-in settings of episode {self.episode_id}"

    @property
    def organization(self):  # used by the audit trail
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


class LinkPurpose(models.TextChoices):
    SESSION = "session", _("Session check-in")
    PULSE = "pulse", _("Between-session pulse")


class SessionRowQuerySet(VisibleQuerySet[Any]):
    """Rows of a session (links, answers): seen by whoever sees the session's episode."""

    def visible_to(self, viewer: Viewer, write: bool = False) -> SessionRowQuerySet:
        return self.filter(session__episode__in=CareEpisode.objects.visible_to(viewer, write=write))


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
    # A pulse belongs to the session it asks about ("since our last session") and never
    # replaces that session's own check-in link.
    purpose = models.CharField(
        max_length=10, choices=LinkPurpose.choices, default=LinkPurpose.SESSION
    )
    # The reminder carries a second token for the same link, so both messages open it; as with
    # the first, only its SHA-256 is kept.
    reminder_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = SessionRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["session", "participant", "state"])]

    def __str__(self) -> str:
        return f"Check-in {self.pk} for session {self.session.number}"

    @property
    def organization(self):
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

        if not TOKEN_RE.match(token or ""):
            return False
        given = hash_token(token)
        return hmac.compare_digest(self.token_hash, given) or hmac.compare_digest(
            self.reminder_token_hash or "", given
        )

    def instruments(self) -> list:
        # Read by every client page of the link (alliance/prepared.py).
        return [item.instrument for item in _LINK_ITEMS.rows(request=self.pk)]  # type: ignore[attr-defined]


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

    objects = SessionRowQuerySet.as_manager()

    class Meta:
        ordering = ["session", "participant", "pk"]
        # What arrived since a moment (the supervision page's "new since your last visit"):
        # without it the database probes every session of the supervisees' episodes.
        indexes = [models.Index(fields=["submitted_at"], name="response_submitted_at")]
        constraints = [
            # Covers (request, instrument, respondent) too: a request belongs to one session.
            # The between-session pulse may be answered more than once after the same session
            # (weekly pulses, sessions a fortnight apart): once per link instead.
            models.UniqueConstraint(
                fields=["session", "participant", "instrument_key"],
                condition=~models.Q(instrument_key=PULSE_KEY),
                name="answer_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["request", "instrument_key"],
                condition=models.Q(instrument_key=PULSE_KEY),
                name="pulse_once_per_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_key} for session {self.session.number}"

    @property
    def organization(self):
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


# --- links that go out by themselves (docs/checkins.md, "Links that go out by themselves") ------


def _evening() -> dt.time:
    return dt.time(21, 0)


def _morning() -> dt.time:
    return dt.time(8, 0)


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")
    NONE = "none", _("None: links are given in person")


class ContactPreferences(AuditedModel):
    """How a client agreed to receive check-in links: channel, consent and quiet hours.

    Kept per client (not per episode): it is the client's choice, and it follows them into
    their next episode. Without consent nothing is sent automatically."""

    client = models.OneToOneField(
        "care.Client", on_delete=models.CASCADE, related_name="contact_preferences"
    )
    channel = models.CharField(
        _("send links by"),
        max_length=10,
        choices=MessageChannel.choices,
        default=MessageChannel.EMAIL,
    )
    consent = models.BooleanField(
        _("the client agreed to receive check-in messages"),
        default=False,
        help_text=_("Ask the client first. Without their agreement nothing is sent."),
    )
    consent_noted_at = models.DateTimeField(null=True, blank=True)
    consent_noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quiet_from = models.TimeField(
        _("quiet hours from"),
        default=_evening,
        help_text=_("Nothing is sent from this time (the clinic's time zone) …"),
    )
    quiet_until = models.TimeField(
        _("quiet hours until"), default=_morning, help_text=_("… until this time.")
    )

    def __str__(self) -> str:
        return f"Contact preferences of client {self.client_id}"

    @property
    def organization(self):
        return self.client.organization

    def audit_client_code(self) -> str:
        return self.client.code


def default_reminder_hours() -> int:
    return 24


class SendingSettings(AuditedModel):
    """An organization's rules for links that go out by themselves."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="sending_settings"
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("remind after … hours"),
        default=default_reminder_hours,
        help_text=_("One reminder when a sent link is still unanswered after this long; 0: none."),
    )
    send_after_start_minutes = models.PositiveSmallIntegerField(
        _("send the session check-in … minutes after the start"),
        null=True,
        blank=True,
        help_text=_(
            "Leave empty to send it when the session ends (start plus its length). "
            "A few minutes suits a demonstration."
        ),
    )

    def __str__(self) -> str:
        return f"Sending settings of {self.organization_id}"


class SendPurpose(models.TextChoices):
    PRE_SESSION = "pre_session", _("Before the session")
    SESSION = "session", _("Session check-in")
    PULSE = "pulse", _("Between-session pulse")


class SendState(models.TextChoices):
    WAITING = "waiting", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    HELD = "held", _("Not sent")
    NOT_NEEDED = "not_needed", _("Not needed")


class ScheduledLink(models.Model):
    """One link the measurement plan sends by itself: made once per participant and slot (the
    unique slot is what makes the periodic run safe to repeat), then sent by a job."""

    session = models.ForeignKey(
        "care.Session", on_delete=models.CASCADE, related_name="scheduled_links"
    )
    participant = models.ForeignKey(
        "care.Participant", on_delete=models.CASCADE, related_name="scheduled_links"
    )
    # "pre_session:<session>", "session:<session>" or "pulse:<session>:<n>"
    slot = models.CharField(max_length=80)
    purpose = models.CharField(max_length=12, choices=SendPurpose.choices)
    planned_at = models.DateTimeField()
    # planned_at moved past the client's quiet hours
    send_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=SendState.choices, default=SendState.WAITING)
    # why it was not sent (services.HOLD_REASONS), shown to the therapist
    held_reason = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    request = models.ForeignKey(
        CheckinRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminder_queued_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["planned_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "slot"], name="scheduled_link_once")
        ]
        indexes = [models.Index(fields=["state", "send_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} link for session {self.session_id}"

    @property
    def organization(self):
        return self.session.episode.organization

    def audit_client_code(self) -> str:
        return self.participant.audit_client_code()


# A link's questionnaires, in order: read on each of the client's pages.
_LINK_ITEMS = PreparedLookup(
    lambda request: CheckinRequestItem.objects.filter(request_id=request).select_related(
        "instrument"
    ),
    request=int,
)

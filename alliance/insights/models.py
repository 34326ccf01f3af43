"""Alerts raised by the analysis, their lifecycle and repair record, and the prompt library."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    RISK = "risk", _("Risk answer")
    DROP = "drop", _("Alliance drop")
    SUBSCALE_DROP = "subscale_drop", _("Drop in one part of the alliance")
    UNREPAIRED = "unrepaired", _("Rupture not yet repaired")
    LOW_ALLIANCE = "low_alliance", _("Low alliance")
    OVERESTIMATION = "overestimation", _("Therapist rates above the client")
    SPLIT = "split", _("Split alliance")
    NOT_ON_TRACK = "not_on_track", _("Not on track")
    DETERIORATION = "deterioration", _("Reliable deterioration")
    GOAL_AGREEMENT = "goal_agreement", _("Goal agreement falling")
    GOAL_PROGRESS = "goal_progress", _("Goal progress falling")


class Severity(models.TextChoices):
    RISK = "risk", _("Risk")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Lower sorts first: what needs attention most comes first on every list.
SEVERITY_RANK = {Severity.RISK: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISCUSSED = "discussed", _("Discussed with the client")
    RESOLVED = "resolved", _("Resolved")


ACTIVE_STATES = [AlertState.OPEN, AlertState.ACKNOWLEDGED, AlertState.DISCUSSED]


class Alert(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT)
    episode = models.ForeignKey("care.CareEpisode", on_delete=models.CASCADE, related_name="alerts")
    participant = models.ForeignKey(
        "care.Participant", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField(default=3)
    scale = models.CharField(max_length=40, blank=True)
    session_number = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField()
    numbers = models.JSONField(default=dict)
    state = models.CharField(max_length=15, choices=AlertState.choices, default=AlertState.OPEN)
    resolution_proposed = models.CharField(max_length=300, blank=True)
    # One alert per finding: the analysis may run many times over the same history.
    fingerprint = models.CharField(max_length=200)
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "fingerprint"], name="alert_once")
        ]
        indexes = [models.Index(fields=["episode", "state"])]
        ordering = ["severity_rank", "-opened_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def audit_client_code(self) -> str:
        return self.episode.audit_client_code()

    audit_content_fields = ("reason", "numbers", "resolution_proposed")

    def allowed_next(self) -> list[str]:
        return ALLOWED_TRANSITIONS[AlertState(self.state)]

    def transition(
        self,
        to_state: str,
        *,
        by: object,
        what_was_said: str = "",
        client_response: str = "",
        note: str = "",
    ) -> AlertEvent:
        """Move the alert on, keeping the step in its history; the caller audits and commits."""
        if to_state not in self.allowed_next():
            raise AlertTransitionError(
                _("An alert that is %(state)s cannot become %(to)s.")
                % {"state": self.get_state_display().lower(), "to": AlertState(to_state).label}
            )
        if to_state == AlertState.DISCUSSED and not what_was_said.strip():
            raise AlertTransitionError(_("Write down what was said with the client."))
        if (
            to_state == AlertState.RESOLVED
            and self.kind == AlertKind.RISK
            and not (note.strip() or what_was_said.strip())
        ):
            raise AlertTransitionError(_("A risk alert cannot be closed without a note."))
        event = AlertEvent.objects.create(
            alert=self,
            from_state=self.state,
            to_state=to_state,
            by=by,
            what_was_said=what_was_said,
            client_response=client_response,
            note=note,
        )
        self.state = to_state
        self.save(update_fields=["state", "updated_at"])
        return event


class AlertTransitionError(ValueError):
    pass


ALLOWED_TRANSITIONS: dict[AlertState, list[str]] = {
    AlertState.OPEN: [AlertState.ACKNOWLEDGED, AlertState.DISCUSSED, AlertState.RESOLVED],
    AlertState.ACKNOWLEDGED: [AlertState.DISCUSSED, AlertState.RESOLVED],
    AlertState.DISCUSSED: [AlertState.RESOLVED],
    AlertState.RESOLVED: [AlertState.OPEN],
}


class AlertEvent(models.Model):
    """Every change of an alert's state, with what was said and how the client responded."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=15, choices=AlertState.choices, blank=True)
    to_state = models.CharField(max_length=15, choices=AlertState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    what_was_said = models.TextField(blank=True)
    client_response = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or 'new'} → {self.to_state}"


class InsightSettings(models.Model):
    """An organization's own alert thresholds; anything not set keeps the documented default."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="insight_settings"
    )
    overrides = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Alert thresholds of {self.organization}"


class Prompt(models.Model):
    """Something concrete to say or ask for one kind of alert. Rows without an organization are
    the project's seeds; an organization's admin edits its own copies."""

    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="prompts",
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    text = models.CharField(max_length=400)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "position", "id"]

    def __str__(self) -> str:
        return self.text


class AllianceTrend(models.Model):
    """Each episode's client-rated alliance by session, written when check-ins arrive.

    The caseload shows a trend line for every open episode; aggregating every stored response
    on each page view cost more than the rest of the page. This row is derived data: it is
    rewritten by the recompute after each submission and by `alliance insights recompute`."""

    episode = models.OneToOneField(
        "care.CareEpisode",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="alliance_trend",
    )
    # [[session number, mean client alliance or null], ...] in session order; a null marks a
    # session answered without an alliance score (the check-in still counts as answered).
    points = models.JSONField(default=list)
    last_checkin_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Alliance trend of episode {self.episode_id}"


class RecoveryCurveFit(models.Model):
    """Expected recovery curves learned from an organization's finished episodes.

    Each run of `alliance insights fit-curves` adds a row (a new version); the analysis uses the
    latest row's curves for the measures it holds and the documented defaults for the rest
    (docs/alert-rules.md, "Expected recovery curves"). Rows are never edited."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="recovery_curve_fits"
    )
    version = models.PositiveIntegerField()
    fitted_at = models.DateTimeField(auto_now_add=True)
    episodes = models.PositiveIntegerField()  # finished episodes used, over all measures
    # {measure: RecoveryCurve.to_dict()}, each with its own episode count and diagnostics
    curves = models.JSONField()

    class Meta:
        ordering = ["organization", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version"], name="one_recovery_curve_version"
            )
        ]

    def __str__(self) -> str:
        return f"Recovery curves v{self.version} of {self.organization} ({self.episodes} episodes)"

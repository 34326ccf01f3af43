"""Alerts raised by the analysis, their lifecycle and repair record, and the prompt library."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.accounts.access import Viewer, VisibleQuerySet
from alliance.audit import trail
from alliance.audit.audited import AuditedModel
from alliance.care.models import CareEpisode

from .kinds import BY_KEY, RUPTURE_KINDS
from .kinds import label as kind_name
from .texts import describe

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from alliance.accounts.models import User

# The analysis uses infinity for an open-ended band (PHQ-9 "20 or more"). JSON has no such
# number: Python writes the token Infinity, which SQLite keeps and PostgreSQL refuses, so the
# whole alert could not be stored there. These numbers are written as the strings below and
# read back as floats.
NON_FINITE = {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}


def _spelled(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _spelled(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_spelled(v) for v in value]
    return value


def _read_back(value: Any) -> Any:
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    if isinstance(value, list):
        return [_read_back(v) for v in value]
    return value


class NumbersEncoder(DjangoJSONEncoder):
    """Writes infinite and NaN numbers as strings any database's JSON accepts."""

    def iterencode(self, o: Any, _one_shot: bool = False) -> Any:
        return super().iterencode(_spelled(o), _one_shot)


class NumbersDecoder(json.JSONDecoder):
    """Reads NumbersEncoder's strings back as the numbers they stand for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["object_hook"] = lambda pairs: {k: _read_back(v) for k, v in pairs.items()}
        super().__init__(*args, **kwargs)


def kind_label(key: str) -> StrOrPromise:
    return BY_KEY[key].label


class AlertKind(models.TextChoices):
    """The stored keys; names come from the one registry in kinds.py."""

    RISK = "risk", kind_label("risk")
    DROP = "drop", kind_label("drop")
    SUBSCALE_DROP = "subscale_drop", kind_label("subscale_drop")
    UNREPAIRED = "unrepaired", kind_label("unrepaired")
    LOW_ALLIANCE = "low_alliance", kind_label("low_alliance")
    OVERESTIMATION = "overestimation", kind_label("overestimation")
    SPLIT = "split", kind_label("split")
    NOT_ON_TRACK = "not_on_track", kind_label("not_on_track")
    DETERIORATION = "deterioration", kind_label("deterioration")
    GOAL_AGREEMENT = "goal_agreement", kind_label("goal_agreement")
    GOAL_PROGRESS = "goal_progress", kind_label("goal_progress")
    RISK_UNANSWERED = "risk_unanswered", kind_label("risk_unanswered")
    WEAK_EARLY_ALLIANCE = "weak_early_alliance", kind_label("weak_early_alliance")
    PULSE_FALL = "pulse_fall", kind_label("pulse_fall")


class Severity(models.TextChoices):
    RISK = "risk", _("Risk")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Lower sorts first: what needs attention most comes first on every list.
SEVERITY_RANK: dict[str, int] = {
    Severity.RISK: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.LOW: 3,
}


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISCUSSED = "discussed", _("Discussed with the client")
    RESOLVED = "resolved", _("Resolved")


ACTIVE_STATES = [AlertState.OPEN, AlertState.ACKNOWLEDGED, AlertState.DISCUSSED]

# Where a drop in the client's rating stands; the caseload filter and the episode page both
# read `Alert.repair_state`, so they always agree.
REPAIR_LABELS = {
    "not_repaired": _("not yet back to the usual level"),
    "discussed": _("discussed, waiting for the next rating"),
    "repaired": _("back at the usual level"),
}


class AlertQuerySet(VisibleQuerySet["Alert"]):
    write_refused = "You can see this alert but not act on it."

    def visible_to(self, viewer: Viewer, write: bool = False) -> AlertQuerySet:
        """The alerts of the episodes the person sees; acted on by those who may change it."""
        return self.filter(episode__in=CareEpisode.objects.visible_to(viewer, write=write))

    def for_lookup(self) -> AlertQuerySet:
        return self.select_related("episode")


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
    numbers = models.JSONField(default=dict, encoder=NumbersEncoder, decoder=NumbersDecoder)
    state = models.CharField(max_length=15, choices=AlertState.choices, default=AlertState.OPEN)
    resolution_proposed = models.CharField(max_length=300, blank=True)
    # One alert per finding: the analysis may run many times over the same history.
    fingerprint = models.CharField(max_length=200)
    # What the alert is about (a participant's score, a risk item, the episode's views): at
    # most one active alert per concern; later findings update it and add to its history.
    concern = models.CharField(max_length=200, blank=True, default="")
    # The findings behind the alert, each with the session and moment its numbers come from;
    # the reason is written from them as of the day it is read (texts.py).
    facts = models.JSONField(
        default=list, blank=True, encoder=NumbersEncoder, decoder=NumbersDecoder
    )
    # When the alert was raised in clinical time: the date of the session that raised it, or
    # the moment a risk answer arrived. `opened_at` is only when the row was written (a
    # history loaded at once writes every row today).
    raised_at = models.DateTimeField(null=True, blank=True)
    # The session (and its moment) the alert's current numbers come from.
    latest_session_number = models.PositiveIntegerField(null=True, blank=True)
    numbers_at = models.DateTimeField(null=True, blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "fingerprint"], name="alert_once"),
            models.UniqueConstraint(
                fields=["episode", "concern"],
                condition=models.Q(state__in=["open", "acknowledged", "discussed"])
                & ~models.Q(concern=""),
                name="one_active_alert_per_concern",
            ),
        ]
        indexes = [models.Index(fields=["episode", "state"])]
        ordering = ["severity_rank", "-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def raised(self) -> dt.datetime:
        """When the alert was raised (the session's date or the answer's moment)."""
        return self.raised_at or self.opened_at

    @property
    def kind_label(self) -> str:
        return kind_name(self.kind)

    def reason_on(self, today: dt.date | None = None) -> str:
        """The reason as of `today` (default: the current local date)."""
        if not self.facts:
            return self.reason
        return describe(self.facts, today or timezone.localdate())

    @property
    def reason_today(self) -> str:
        return self.reason_on()

    @property
    def repair_state(self) -> str:
        """For a drop in the client's rating: 'repaired' (back at the usual level), 'discussed'
        (a conversation recorded, no rating since), 'not_repaired', or '' for other kinds."""
        if self.kind not in RUPTURE_KINDS:
            return ""
        if self.resolution_proposed:
            return "repaired"
        if self.discussed_at and (self.numbers_at is None or self.numbers_at <= self.discussed_at):
            return "discussed"
        return "not_repaired"

    @property
    def repair_state_label(self) -> str:
        return str(REPAIR_LABELS.get(self.repair_state, ""))

    def audit_client_code(self) -> str:
        return self.episode.audit_client_code()

    audit_content_fields = ("reason", "numbers", "resolution_proposed")

    def allowed_next(self) -> list[str]:
        return ALLOWED_TRANSITIONS[AlertState(self.state)]

    def transition(
        self,
        to_state: str,
        *,
        by: User | None,
        what_was_said: str = "",
        client_response: str = "",
        note: str = "",
    ) -> AlertEvent:
        """Move the alert on, keeping the step in its history and the audit trail; the caller
        commits. (Alerts are not an AuditedModel: the analysis rewrites them as it learns, and
        only a person's step is audited, here.)"""
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
        before = trail.snapshot(self)
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
        fields = ["state", "updated_at"]
        if to_state == AlertState.DISCUSSED:
            self.discussed_at = event.at
            fields.append("discussed_at")
        self.save(update_fields=fields)
        trail.record_update(self, before)
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


class InsightSettings(AuditedModel):
    """An organization's own alert thresholds; anything not set keeps the documented default."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="insight_settings"
    )
    overrides = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Alert thresholds of {self.organization}"


class Prompt(AuditedModel):
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


class PendingRecompute(models.Model):
    """An episode whose alerts must be recomputed: written in the same transaction as the
    response that asks for it, removed only once a recompute succeeded. A recompute that fails
    (e.g. "database is locked" under concurrent writes) leaves it here to be retried, so no
    finding is ever lost (insights/pending.py)."""

    episode = models.OneToOneField(
        "care.CareEpisode", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    next_try_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"Recompute pending for episode {self.episode_id}"


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

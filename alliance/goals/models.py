"""The treatment plan of a care episode: goals in the client's own words, the tasks agreed for
each, their full history, the client's ratings of them and the changes the client proposes.

Nothing a client sends changes the plan by itself: ratings are stored as they are, and a new goal
or "this goal no longer fits" is a GoalProposal the therapist accepts or declines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.audit.audited import AuditedModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WORDING_MAX = 500


class AppendOnlyError(RuntimeError):
    pass


class ProposedBy(models.TextChoices):
    CLIENT = "client", _("The client")
    THERAPIST = "therapist", _("The therapist")
    TOGETHER = "together", _("Together")


# How a goal or task came about, as a phrase of its own ("Proposed by together" read wrongly).
PROPOSED_PHRASES: dict[str, StrOrPromise] = {
    ProposedBy.CLIENT: _("proposed by the client"),
    ProposedBy.THERAPIST: _("proposed by the therapist"),
    ProposedBy.TOGETHER: _("agreed together"),
}


def proposed_phrase(value: str) -> str:
    return str(PROPOSED_PHRASES.get(value, value))


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    SET_ASIDE = "set_aside", _("Set aside")


class TaskStatus(models.TextChoices):
    AGREED = "agreed", _("Agreed")
    DONE = "done", _("Done")
    SET_ASIDE = "set_aside", _("Set aside")


class _EpisodeOwned(models.Model):
    """Gives the audit trail the organization and client code of the row's episode."""

    class Meta:
        abstract = True

    def _episode(self) -> Any:
        raise NotImplementedError

    @property
    def organization(self) -> Any:
        return self._episode().organization

    @property
    def proposed_phrase(self) -> str:
        return proposed_phrase(getattr(self, "proposed_by", ""))

    def audit_client_code(self) -> str:
        return str(self._episode().audit_client_code())


class Goal(AuditedModel, _EpisodeOwned):
    episode = models.ForeignKey("care.CareEpisode", on_delete=models.CASCADE, related_name="goals")
    wording = models.CharField(
        _("goal, in the client's own words"),
        max_length=WORDING_MAX,
        help_text=_("Write it as the client says it, e.g. 'sleep through most nights'."),
    )
    proposed_by = models.CharField(
        _("proposed by"), max_length=12, choices=ProposedBy.choices, default=ProposedBy.TOGETHER
    )
    status = models.CharField(
        _("status"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    review_on = models.DateField(_("review on"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["episode", "status"])]

    def __str__(self) -> str:
        return self.wording[:80]

    def _episode(self) -> Any:
        return self.episode

    @property
    def is_active(self) -> bool:
        return self.status == GoalStatus.ACTIVE

    @property
    def review_overdue(self) -> bool:
        return bool(self.is_active and self.review_on and self.review_on < timezone.localdate())


class Task(AuditedModel, _EpisodeOwned):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="tasks")
    wording = models.CharField(_("task or approach"), max_length=WORDING_MAX)
    proposed_by = models.CharField(
        _("proposed by"), max_length=12, choices=ProposedBy.choices, default=ProposedBy.TOGETHER
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.AGREED
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.wording[:80]

    def _episode(self) -> Any:
        return self.goal.episode


class GoalChangeQuerySet(models.QuerySet["GoalChange"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The history of a plan cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The history of a plan cannot be deleted")


class GoalChange(_EpisodeOwned):
    """One line of a plan's history: a goal or task created, or one field changed."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="changes")
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    field = models.CharField(max_length=30)  # "created" for a new goal or task
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    objects = GoalChangeQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.field}: {self.before!r} → {self.after!r}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The history of a plan cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("The history of a plan cannot be deleted")

    def _episode(self) -> Any:
        return self.goal.episode


class GoalReviewSettings(AuditedModel, _EpisodeOwned):
    """How often the client is asked to review the goals in the check-in flow."""

    episode = models.OneToOneField(
        "care.CareEpisode", on_delete=models.CASCADE, related_name="goal_review_settings"
    )
    every_n = models.PositiveSmallIntegerField(
        _("ask the client to review the goals every N sessions"),
        default=4,
        validators=[MaxValueValidator(52)],
        help_text=_("4 means sessions 4, 8, 12, ...; 0 turns the review off."),
    )

    def __str__(self) -> str:
        return f"Goal review every {self.every_n} sessions"

    def _episode(self) -> Any:
        return self.episode

    def is_due(self, session_number: int) -> bool:
        return self.every_n > 0 and session_number % self.every_n == 0


class GoalReview(AuditedModel, _EpisodeOwned):
    """One client's review of the goals at one session, sent once through their check-in link."""

    session = models.ForeignKey(
        "care.Session", on_delete=models.CASCADE, related_name="goal_reviews"
    )
    participant = models.ForeignKey(
        "care.Participant", on_delete=models.PROTECT, related_name="goal_reviews"
    )
    checkin = models.ForeignKey(
        "checkins.CheckinRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session__number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="goal_review_once")
        ]

    def __str__(self) -> str:
        return f"Goal review at session {self.session.number}"

    def _episode(self) -> Any:
        return self.session.episode


SCORE_VALIDATORS = [MaxValueValidator(10)]


class GoalRating(AuditedModel, _EpisodeOwned):
    review = models.ForeignKey(GoalReview, on_delete=models.CASCADE, related_name="ratings")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    still_right = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=SCORE_VALIDATORS
    )
    progress = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCORE_VALIDATORS)

    class Meta:
        ordering = ["review__session__number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "goal"], name="goal_rating_once"),
            models.CheckConstraint(
                condition=models.Q(still_right__lte=10) & models.Q(progress__lte=10),
                name="goal_rating_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: right {self.still_right}, progress {self.progress}"

    def _episode(self) -> Any:
        return self.goal.episode


class ProposalKind(models.TextChoices):
    NEW = "new", _("New goal")
    NO_LONGER_FITS = "no_longer_fits", _("Goal no longer fits")


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class GoalProposal(AuditedModel, _EpisodeOwned):
    """A change the client asks for; applied only when a therapist accepts it."""

    episode = models.ForeignKey(
        "care.CareEpisode", on_delete=models.CASCADE, related_name="goal_proposals"
    )
    participant = models.ForeignKey(
        "care.Participant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review = models.ForeignKey(
        GoalReview, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    kind = models.CharField(max_length=20, choices=ProposalKind.choices)
    wording = models.CharField(max_length=WORDING_MAX, blank=True)
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    state = models.CharField(
        max_length=10, choices=ProposalState.choices, default=ProposalState.PROPOSED
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    resulting_goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        if self.kind == ProposalKind.NEW:
            return f"New goal: {self.wording[:60]}"
        return f"No longer fits: {self.goal}"

    def _episode(self) -> Any:
        return self.episode


class Pace(models.TextChoices):
    SLOWER = "slower", _("Slower, with time to think")
    STEADY = "steady", _("A steady pace")
    FASTER = "faster", _("Brisk, getting to the point")


class Directness(models.TextChoices):
    GENTLE = "gentle", _("Gentle and exploratory")
    BALANCED = "balanced", _("A mix")
    DIRECT = "direct", _("Direct and straightforward")


class Homework(models.TextChoices):
    NONE = "none", _("Rather not")
    SOME = "some", _("Some, if it is useful")
    LOTS = "lots", _("Yes, things to practise between sessions")


class FeedbackWay(models.TextChoices):
    ASK_ME = "ask_me", _("Ask me in the session")
    FORMS = "forms", _("The short forms are easiest")
    BOTH = "both", _("Both")


class ClientPreferences(AuditedModel, _EpisodeOwned):
    """What the client wants from therapy, in their own choices; every field is optional."""

    participant = models.OneToOneField(
        "care.Participant", on_delete=models.CASCADE, related_name="preferences"
    )
    pace = models.CharField(_("pace"), max_length=10, choices=Pace.choices, blank=True)
    directness = models.CharField(
        _("how direct"), max_length=10, choices=Directness.choices, blank=True
    )
    homework = models.CharField(
        _("tasks between sessions"), max_length=10, choices=Homework.choices, blank=True
    )
    feedback = models.CharField(
        _("how you like to give feedback"), max_length=10, choices=FeedbackWay.choices, blank=True
    )
    when_off = models.CharField(
        _("if something feels off between us, I would like you to ..."),
        max_length=300,
        blank=True,
    )
    identity = models.CharField(
        _("anything about who you are that you would like me to keep in mind"),
        max_length=500,
        blank=True,
        help_text=_(
            "Only if you want to share it: for example culture, faith, gender, sexuality, "
            "disability, class or language."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Preferences of participant {self.participant_id}"

    def _episode(self) -> Any:
        return self.participant.episode

    @property
    def is_empty(self) -> bool:
        return not any(
            getattr(self, name)
            for name in ("pace", "directness", "homework", "feedback", "when_off", "identity")
        )


class SessionAgenda(AuditedModel, _EpisodeOwned):
    """The client's own agenda for one session: what they want to focus on (asked before) and
    whether the session worked on it (asked after). Both optional."""

    session = models.ForeignKey("care.Session", on_delete=models.CASCADE, related_name="agendas")
    participant = models.ForeignKey(
        "care.Participant", on_delete=models.PROTECT, related_name="agendas"
    )
    focus = models.CharField(
        _("What would you like to focus on today?"), max_length=500, blank=True
    )
    worked_on = models.PositiveSmallIntegerField(
        _("Did we work on what you wanted?"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session__number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="agenda_once"),
            models.CheckConstraint(condition=models.Q(worked_on__lte=10), name="agenda_0_10"),
        ]

    def __str__(self) -> str:
        return f"Agenda for session {self.session.number}"

    def _episode(self) -> Any:
        return self.session.episode

"""Everything that changes a treatment plan, as plain functions. Each change writes a line of
the plan's own history (GoalChange); the plan's models write their own audit events
(alliance.audit.audited). Views only call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from alliance.audit import trail
from alliance.audit.models import Action
from alliance.care.models import CareEpisode, Participant, Session
from alliance.prepared import PreparedLookup
from alliance.text import clean_text

from .models import (
    ClientPreferences,
    Goal,
    GoalChange,
    GoalProposal,
    GoalRating,
    GoalReview,
    GoalReviewSettings,
    GoalStatus,
    ProposalKind,
    ProposalState,
    ProposedBy,
    SessionAgenda,
    Task,
)
from .signals import review_stored

GOAL_FIELDS = ("wording", "proposed_by", "status", "review_on")
TASK_FIELDS = ("wording", "proposed_by", "status")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


# --- goals and tasks -----------------------------------------------------------------------------


@transaction.atomic
def add_goal(episode: CareEpisode, *, by: Any, **fields: Any) -> Goal:
    last = episode.goals.aggregate(models.Max("position"))["position__max"]
    goal = Goal.objects.create(
        episode=episode, created_by=by, position=(last or 0) + 1, **_goal_fields(fields)
    )
    GoalChange.objects.create(goal=goal, field="created", after=goal.wording, changed_by=by)
    return goal


def _goal_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    data = {name: fields[name] for name in GOAL_FIELDS if name in fields}
    if "wording" in data:
        data["wording"] = clean_text(data["wording"])
    return data


@transaction.atomic
def change_goal(goal: Goal, *, by: Any, note: str = "", **fields: Any) -> list[GoalChange]:
    """Apply changed fields; every field that really changed gets its own history line.
    Compared with the stored row (a bound ModelForm has already changed the instance)."""
    goal = Goal.objects.select_for_update().select_related("episode").get(pk=goal.pk)
    changes = _apply(goal, _goal_fields(fields), by=by, note=note, goal=goal)
    if changes:
        goal.save()
    return changes


def _apply(
    obj: Goal | Task,
    data: Mapping[str, Any],
    *,
    by: Any,
    note: str,
    goal: Goal,
    task: Task | None = None,
) -> list[GoalChange]:
    changes: list[GoalChange] = []
    for name, value in data.items():
        old = getattr(obj, name)
        if old == value:
            continue
        setattr(obj, name, value)
        changes.append(
            GoalChange.objects.create(
                goal=goal,
                task=task,
                field=name,
                before=_shown(old),
                after=_shown(value),
                changed_by=by,
                note=note[:200],
            )
        )
    return changes


@transaction.atomic
def add_task(goal: Goal, *, by: Any, **fields: Any) -> Task:
    data = {name: fields[name] for name in TASK_FIELDS if name in fields}
    data["wording"] = clean_text(data.get("wording"))
    task = Task.objects.create(goal=goal, **data)
    GoalChange.objects.create(
        goal=goal, task=task, field="created", after=task.wording, changed_by=by
    )
    return task


@transaction.atomic
def change_task(task: Task, *, by: Any, **fields: Any) -> list[GoalChange]:
    data = {name: fields[name] for name in TASK_FIELDS if name in fields}
    if "wording" in data:
        data["wording"] = clean_text(data["wording"])
    task = Task.objects.select_for_update().select_related("goal__episode").get(pk=task.pk)
    changes = _apply(task, data, by=by, note="", goal=task.goal, task=task)
    if changes:
        task.save()
    return changes


def review_settings(episode: CareEpisode) -> GoalReviewSettings:
    """The episode's schedule; the default (unsaved) until someone changes it, so reading a
    page never writes."""
    found = _REVIEW_SETTINGS.first(episode=episode.pk)
    return found if isinstance(found, GoalReviewSettings) else GoalReviewSettings(episode=episode)


# Read on every client's thank-you page (alliance/prepared.py).
_REVIEW_SETTINGS = PreparedLookup(
    lambda episode: GoalReviewSettings.objects.filter(episode_id=episode)[:1], episode=int
)


@transaction.atomic
def set_review_every(episode: CareEpisode, every_n: int) -> None:
    # Created with the new value: one audit event, a creation or a change.
    row, created = GoalReviewSettings.objects.select_for_update().get_or_create(
        episode=episode, defaults={"every_n": every_n}
    )
    if not created:
        row.every_n = every_n
        row.save(update_fields=["every_n"])


# --- the client's review -------------------------------------------------------------------------


def active_goals(episode: CareEpisode) -> list[Goal]:
    return list(episode.goals.filter(status=GoalStatus.ACTIVE))


def review_due(session: Session) -> bool:
    """Whether the client is asked to review the goals at this session (and there are any)."""
    return review_settings(session.episode).is_due(session.number) and bool(
        session.episode.goals.filter(status=GoalStatus.ACTIVE).exists()
    )


def already_reviewed(session: Session, participant: Participant) -> bool:
    return GoalReview.objects.filter(session=session, participant=participant).exists()


def save_review(
    *,
    session: Session,
    participant: Participant,
    checkin: Any,
    ratings: Mapping[int, tuple[int | None, int | None]],
    no_longer_fits: Iterable[int],
    new_goals: Iterable[str],
) -> GoalReview | None:
    """Store one review, once: ratings as given, and each change as a proposal for the therapist.
    Returns None when this person already reviewed the goals at this session."""
    goals = {g.pk: g for g in active_goals(session.episode)}
    try:
        with transaction.atomic():
            review = GoalReview.objects.create(
                session=session, participant=participant, checkin=checkin
            )
            for goal_pk, (still_right, progress) in ratings.items():
                if goal_pk in goals and (still_right is not None or progress is not None):
                    GoalRating.objects.create(
                        review=review,
                        goal=goals[goal_pk],
                        still_right=still_right,
                        progress=progress,
                    )
            for goal_pk in no_longer_fits:
                if goal_pk in goals:
                    _propose(review, ProposalKind.NO_LONGER_FITS, goal=goals[goal_pk])
            for wording in new_goals:
                if clean_text(wording):
                    _propose(review, ProposalKind.NEW, wording=clean_text(wording))
            # Insights marks the episode for recompute in this transaction (goals.signals).
            review_stored.send(sender=GoalReview, review=review, episode=session.episode)
    except IntegrityError:
        return None
    return review


def _propose(review: GoalReview, kind: str, **fields: Any) -> GoalProposal:
    return GoalProposal.objects.create(
        episode=review.session.episode,
        participant=review.participant,
        review=review,
        kind=kind,
        **fields,
    )


def pending_proposals(episode: CareEpisode) -> list[GoalProposal]:
    return list(
        episode.goal_proposals.filter(state=ProposalState.PROPOSED).select_related(
            "goal", "participant__client", "review__session"
        )
    )


@transaction.atomic
def decide(proposal: GoalProposal, *, accept: bool, by: Any) -> GoalProposal:
    """Accept (apply it to the plan) or decline a client's proposal; a decided one stays."""
    proposal = GoalProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != ProposalState.PROPOSED:
        return proposal
    if accept and proposal.kind == ProposalKind.NEW:
        proposal.resulting_goal = add_goal(
            proposal.episode, by=by, wording=proposal.wording, proposed_by=ProposedBy.CLIENT
        )
    elif accept and proposal.goal is not None:
        change_goal(
            proposal.goal, by=by, status=GoalStatus.SET_ASIDE, note="client: no longer fits"
        )
    proposal.state = ProposalState.ACCEPTED if accept else ProposalState.DECLINED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.save()
    return proposal


# --- preferences ---------------------------------------------------------------------------------


def preferences_of(participant: Participant) -> ClientPreferences:
    found = ClientPreferences.objects.filter(participant=participant).first()
    return found or ClientPreferences(participant=participant)


@transaction.atomic
def save_preferences(participant: Participant, data: Mapping[str, Any]) -> None:
    prefs = ClientPreferences.objects.select_for_update().filter(participant=participant).first()
    prefs = prefs or ClientPreferences(participant=participant)
    for name, value in data.items():
        setattr(prefs, name, clean_text(value))
    prefs.save()


# --- the session agenda --------------------------------------------------------------------------


def agenda_of(session: Session, participant: Participant) -> SessionAgenda | None:
    found = _AGENDA.first(session=session.pk, participant=participant.pk)
    return found if isinstance(found, SessionAgenda) else None


# Read on every client's thank-you page (alliance/prepared.py).
_AGENDA = PreparedLookup(
    lambda session, participant: SessionAgenda.objects.filter(
        session_id=session, participant_id=participant
    )[:1],
    session=int,
    participant=int,
)


@transaction.atomic
def save_agenda(
    session: Session, participant: Participant, focus: str, worked_on: Any
) -> SessionAgenda:
    # Created with the new values: one audit event, a creation or a change.
    fields = {"focus": clean_text(focus), "worked_on": worked_on}
    agenda, created = SessionAgenda.objects.select_for_update().get_or_create(
        session=session, participant=participant, defaults=fields
    )
    if not created:
        for name, value in fields.items():
            setattr(agenda, name, value)
        agenda.save()
    return agenda


def record_plan_exported(episode: CareEpisode, what: str) -> None:
    """The plan left the page: printed or downloaded as a PDF."""
    trail.record(Action.EXPORT, episode, after={"format": what})

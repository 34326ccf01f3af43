"""Erasing a client: everything about them, in dependency order, in one transaction.

What is "about them" is decided in alliance.rights.scope: episodes in which they were the only
client go whole; from shared episodes only their part goes and the others' data stays. Many
foreign keys are PROTECT on purpose (a response must never vanish because someone deleted a
session by mistake), so nothing here relies on cascades except where noted.

The audit trail is not deleted: its events about the client are redacted by the retention rule
in alliance.audit.redaction, and one "client erased" event records who erased whom (as a
tombstone), when, and how much.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from alliance.api.models import WebhookDelivery
from alliance.audit import redaction, trail
from alliance.audit.models import Action
from alliance.care.models import CareEpisode, Client, EpisodeStatusChange, Participant, Session
from alliance.checkins.models import (
    CheckinRequest,
    ContactPreferences,
    EpisodePlanEntry,
    Response,
    ScheduledLink,
)
from alliance.goals.models import (
    ClientPreferences,
    Goal,
    GoalChange,
    GoalProposal,
    GoalRating,
    GoalReview,
    SessionAgenda,
    Task,
)
from alliance.growth.models import ClientAttribute
from alliance.insights import recompute
from alliance.insights.models import Alert, AlertEvent
from alliance.language.models import SessionTranscript

from .scope import ClientScope, client_scope


@dataclass(frozen=True)
class Step:
    label: str
    rows: Callable[[ClientScope], QuerySet[Any]]
    # Rows whose own delete() is refused (append-only history) go with their parent instead.
    by_cascade: bool = False


def _mine_or_own(s: ClientScope, participant: str, episode: str) -> Q:
    return Q(**{f"{participant}__in": s.participant_ids}) | Q(
        **{f"{episode}__in": s.own_episode_ids}
    )


def _attributes(client: Client) -> QuerySet[Any]:
    return ClientAttribute.objects.filter(client=client)


def _transcripts(episode_ids: tuple[int, ...]) -> QuerySet[Any]:
    return SessionTranscript.objects.filter(session__episode_id__in=episode_ids)


# Children before parents: every PROTECT reference is gone before the row it points at.
STEPS: tuple[Step, ...] = (
    Step(
        "goal proposals",
        lambda s: GoalProposal.objects.filter(
            Q(participant_id__in=s.participant_ids) | Q(episode_id__in=s.own_episode_ids)
        ),
    ),
    Step(
        "goal ratings",
        lambda s: GoalRating.objects.filter(
            _mine_or_own(s, "review__participant_id", "goal__episode_id")
        ),
    ),
    Step(
        "goal reviews",
        lambda s: GoalReview.objects.filter(
            _mine_or_own(s, "participant_id", "session__episode_id")
        ),
    ),
    Step(
        "session agendas",
        lambda s: SessionAgenda.objects.filter(
            _mine_or_own(s, "participant_id", "session__episode_id")
        ),
    ),
    Step(
        "preferences",
        lambda s: ClientPreferences.objects.filter(
            _mine_or_own(s, "participant_id", "participant__episode_id")
        ),
    ),
    Step(
        "questionnaire responses",
        lambda s: Response.objects.filter(_mine_or_own(s, "participant_id", "session__episode_id")),
    ),
    Step(
        "links sent by themselves",
        lambda s: ScheduledLink.objects.filter(
            _mine_or_own(s, "participant_id", "session__episode_id")
        ),
    ),
    Step(
        "check-in links",
        lambda s: CheckinRequest.objects.filter(
            _mine_or_own(s, "participant_id", "session__episode_id")
        ),
    ),
    Step(
        "webhook deliveries",
        lambda s: WebhookDelivery.objects.filter(
            _mine_or_own(s, "alert__participant_id", "alert__episode_id")
        ),
    ),
    Step(
        "alert history entries",
        lambda s: AlertEvent.objects.filter(
            _mine_or_own(s, "alert__participant_id", "alert__episode_id")
        ),
    ),
    Step("alerts", lambda s: Alert.objects.filter(_mine_or_own(s, "participant_id", "episode_id"))),
    Step(
        "goal history entries",
        lambda s: GoalChange.objects.filter(goal__episode_id__in=s.own_episode_ids),
        by_cascade=True,
    ),
    Step("tasks", lambda s: Task.objects.filter(goal__episode_id__in=s.own_episode_ids)),
    Step("goals", lambda s: Goal.objects.filter(episode_id__in=s.own_episode_ids)),
    # A transcript analysis (counts, labels, perhaps encrypted text) is about everyone who spoke,
    # and its counts cannot be split by person: it goes from shared episodes too.
    Step(
        "session transcript analyses",
        lambda s: _transcripts(s.own_episode_ids + s.shared_episode_ids),
    ),
    Step("sessions", lambda s: Session.objects.filter(episode_id__in=s.own_episode_ids)),
    Step(
        "measurement plan entries",
        lambda s: EpisodePlanEntry.objects.filter(episode_id__in=s.own_episode_ids),
    ),
    Step(
        "episode status records",
        lambda s: EpisodeStatusChange.objects.filter(episode_id__in=s.own_episode_ids),
    ),
    Step(
        "participations",
        lambda s: Participant.objects.filter(
            Q(pk__in=s.participant_ids) | Q(episode_id__in=s.own_episode_ids)
        ),
    ),
    Step("care episodes", lambda s: CareEpisode.objects.filter(pk__in=s.own_episode_ids)),
    Step("details for pattern reviews", lambda s: _attributes(s.client)),
    Step(
        "consent to messages, channel and quiet hours",
        lambda s: ContactPreferences.objects.filter(client=s.client),
    ),
    Step("client record", lambda s: Client.objects.filter(pk=s.client.pk)),
)


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing the client would delete, for the confirmation page."""

    scope: ClientScope
    counts: dict[str, int]

    @property
    def shared_episodes(self) -> int:
        return len(self.scope.shared_episode_ids)


def plan(client: Client) -> ErasurePlan:
    scope = client_scope(client)
    return ErasurePlan(scope, {step.label: step.rows(scope).count() for step in STEPS})


@dataclass(frozen=True)
class ErasureResult:
    tombstone: str
    counts: dict[str, int]
    audit_events_redacted: int


def erase(client: Client) -> ErasureResult:
    """Delete the client and everything about them; redact the audit trail; record the erasure.

    Raises django.db.models.ProtectedError (and changes nothing) when a row this module does not
    know about still points at the client's data."""
    organization = client.organization
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        scope = client_scope(client)
        codes = redaction.codes_ever_used(organization, client.pk, client.code)
        counts: dict[str, int] = {}
        for step in STEPS:
            rows = step.rows(scope)
            counts[step.label] = rows.count()
            if not step.by_cascade:
                rows.delete()
        _forget_in_shared_episodes(scope, codes)
        tombstone = redaction.new_tombstone()
        redacted = redaction.redact_client(organization, scope.client.pk, codes, tombstone)
        trail.record(
            Action.DELETE,
            object_type="care.Client",
            object_label=f"client erased ({tombstone})",
            client_code=tombstone,
            organization=organization,
            before={"id": scope.client.pk},
            after={"erased": counts, "audit_events_redacted": redacted},
        )
    _refresh_shared(scope)
    return ErasureResult(tombstone, counts, redacted)


def _forget_in_shared_episodes(scope: ClientScope, codes: set[str]) -> None:
    """Webhook payloads about a shared episode list every client's code; drop this one's."""
    deliveries = WebhookDelivery.objects.filter(alert__episode_id__in=scope.shared_episode_ids)
    for delivery in deliveries:
        alert = delivery.payload.get("alert") or {}
        listed = alert.get("client_codes") or []
        if any(code in codes for code in listed):
            alert["client_codes"] = [code for code in listed if code not in codes]
            delivery.save(update_fields=["payload"])


def _refresh_shared(scope: ClientScope) -> None:
    """The others' alerts were computed with this client's answers in them; recompute."""
    if not scope.shared_episode_ids:
        return
    for episode in CareEpisode.objects.filter(pk__in=scope.shared_episode_ids):
        recompute.after_commit(episode)

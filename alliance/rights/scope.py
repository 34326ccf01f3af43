"""What "everything about one client" means, in one place, so the export and the erasure agree.

An episode in which the client is the only client is theirs entirely: its sessions, plan, goals,
alerts and the therapists' own ratings all describe their therapy. In a couple, family or group
episode the other clients have their own rights to the shared record, so only this client's part
counts as theirs: their participation, their answers, goal ratings, proposals, preferences,
agendas, check-in links and the alerts raised about them alone. The shared goals, sessions and
episode-wide alerts stay with the others (docs/security.md, "Data rights").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from alliance.care.models import CareEpisode, Client, Participant


@dataclass(frozen=True)
class ClientScope:
    client: Client
    own_episode_ids: tuple[int, ...]  # the client is the only client ever taking part
    shared_episode_ids: tuple[int, ...]  # other clients take part too
    participant_ids: tuple[int, ...]  # the client's own participations, in every episode

    @property
    def episode_ids(self) -> tuple[int, ...]:
        return self.own_episode_ids + self.shared_episode_ids

    def episodes(self) -> QuerySet[CareEpisode]:
        return CareEpisode.objects.filter(pk__in=self.episode_ids).order_by("started_on", "pk")

    def in_own(self, prefix: str = "") -> Q:
        """Rows of the episodes that are the client's alone (prefix: path to the episode)."""
        return Q(**{f"{prefix}episode_id__in": self.own_episode_ids})

    def by_client(self, prefix: str = "") -> Q:
        """Rows written by or about the client's own participation."""
        return Q(**{f"{prefix}participant_id__in": self.participant_ids})


def client_scope(client: Client) -> ClientScope:
    participations = Participant.objects.filter(client=client)
    episode_ids = set(participations.values_list("episode_id", flat=True))
    counted = CareEpisode.objects.filter(pk__in=episode_ids).annotate(
        clients=Count("participants", filter=Q(participants__client__isnull=False))
    )
    own = sorted(e.pk for e in counted if e.clients == 1)
    shared = sorted(e.pk for e in counted if e.clients > 1)
    return ClientScope(
        client=client,
        own_episode_ids=tuple(own),
        shared_episode_ids=tuple(shared),
        participant_ids=tuple(sorted(participations.values_list("pk", flat=True))),
    )

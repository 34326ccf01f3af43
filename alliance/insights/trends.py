"""Each episode's client-rated alliance by session, for the caseload's trend lines.

Computed from the stored responses when check-ins arrive (`refresh`) and read back as one row
per episode (`for_episodes`); an episode without a stored row (data loaded before the trend
table existed, or written by a path that skipped the recompute) is computed on the fly, never
written on a read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Avg, FloatField, Max
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from alliance.care.models import CLIENT_ROLES, CareEpisode
from alliance.checkins.models import Response
from alliance.measures.models import Instrument

from .models import AllianceTrend


@dataclass
class Trend:
    by_session: dict[int, float | None] = field(default_factory=dict)
    last_checkin_at: Any = None

    @property
    def values(self) -> list[float]:
        """The alliance values in session order, sessions without a score left out."""
        return [v for _n, v in sorted(self.by_session.items()) if v is not None]

    @property
    def answered(self) -> set[int]:
        return set(self.by_session)


def alliance_keys() -> list[str]:
    keys = Instrument.objects.filter(kind="alliance").order_by().values_list("key", flat=True)
    return list(keys.distinct())


def compute(episode_ids: Iterable[int]) -> dict[int, Trend]:
    """One aggregate query: the mean client alliance per session (over the episode's clients)."""
    ids = list(episode_ids)
    rows = (
        Response.objects.filter(
            session__episode_id__in=ids,
            participant__role__in=list(CLIENT_ROLES),
            # By key (a column of the response) rather than through the instrument table: with
            # the join, PostgreSQL may start from the instruments and walk every alliance
            # response of every organization (seen on a freshly loaded database).
            instrument_key__in=alliance_keys(),
        )
        .order_by()
        .values_list("session__episode_id", "session__number")
        .annotate(
            value=Avg(Cast(KT("scores__scales__alliance"), FloatField())),
            last=Max("submitted_at"),
        )
    )
    trends: dict[int, Trend] = defaultdict(Trend)
    for episode_id, number, value, submitted in rows:
        trend = trends[episode_id]
        trend.by_session[number] = value
        if trend.last_checkin_at is None or submitted > trend.last_checkin_at:
            trend.last_checkin_at = submitted
    return {pk: trends.get(pk, Trend()) for pk in ids}


def lock_episodes(episode_ids: Iterable[int]) -> None:
    """Serialise recomputes of the same episodes (call inside a transaction, before reading).

    Two check-ins of one episode arriving together (a couple, each on their phone) recompute
    it at once. Without the lock the earlier run could read without the later answer and still
    write last; with it, whoever writes last read last."""
    list(
        CareEpisode.objects.select_for_update()
        .filter(pk__in=sorted(set(episode_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def store(computed: dict[int, Trend]) -> None:
    """Write each episode's trend (one insert-or-update for all of them)."""
    AllianceTrend.objects.bulk_create(
        [
            AllianceTrend(
                episode_id=pk,
                points=[[n, v] for n, v in sorted(t.by_session.items())],
                last_checkin_at=t.last_checkin_at,
            )
            for pk, t in computed.items()
        ],
        update_conflicts=True,
        unique_fields=["episode"],
        update_fields=["points", "last_checkin_at", "updated_at"],
    )


def refresh(episode_ids: Iterable[int]) -> None:
    """Recompute and store the trends of these episodes, under the episodes' lock."""
    ids = sorted(set(episode_ids))
    with transaction.atomic():
        lock_episodes(ids)
        store(compute(ids))


def for_episodes(episode_ids: Iterable[int]) -> dict[int, Trend]:
    """The stored trends, and a computed one for any episode that has none stored yet."""
    ids = list(episode_ids)
    stored = AllianceTrend.objects.filter(episode_id__in=ids).values_list(
        "episode_id", "points", "last_checkin_at"
    )
    trends = {pk: Trend({int(n): v for n, v in points}, last) for pk, points, last in stored}
    missing = [pk for pk in ids if pk not in trends]
    if missing:
        trends.update(compute(missing))
    return trends

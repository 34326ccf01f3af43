"""The goals' part of the caseload: one query for the whole caseload, whatever its size."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from .models import Goal, GoalStatus


def review_overdue(episode_ids: Iterable[int]) -> set[int]:
    """Episodes with an active goal whose review date has passed."""
    return set(
        Goal.objects.filter(
            episode_id__in=list(episode_ids),
            status=GoalStatus.ACTIVE,
            review_on__lt=timezone.localdate(),
        ).values_list("episode_id", flat=True)
    )

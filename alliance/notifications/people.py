"""Who takes part in an episode as staff: the people its notifications go to."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from alliance.accounts.models import User
from alliance.care.models import WRITING_STAFF_ROLES, Participant


def episode_staff(episode_id: int) -> list[User]:
    """The therapists and co-therapists still taking part in the episode: those who may see and
    change it (alliance/accounts/access.py)."""
    taking_part = Participant.objects.filter(
        episode_id=episode_id,
        user=OuterRef("pk"),
        role__in=WRITING_STAFF_ROLES,
        left_on__isnull=True,
    )
    return list(User.objects.filter(Exists(taking_part), is_active=True))

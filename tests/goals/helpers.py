from __future__ import annotations

from typing import Any

from alliance.goals import services
from alliance.goals.models import Goal
from tests.conftest import make_session


def two_goals(clinic: Any) -> tuple[Goal, Goal]:
    first = services.add_goal(
        clinic.episode, by=clinic.therapist, wording="Sleep through most nights"
    )
    second = services.add_goal(
        clinic.episode, by=clinic.therapist, wording="Go back to the choir", proposed_by="client"
    )
    return first, second


def review_session(clinic: Any) -> Any:
    """Session 4 of the episode: the goal review is due there by default (every 4th session)."""
    session = clinic.session
    while session.number < 4:
        session = make_session(clinic.episode)
    return session

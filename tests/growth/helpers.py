from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from alliance.care.models import Client
from alliance.checkins import services
from alliance.measures.models import current_instrument
from tests.conftest import make_episode, make_session

_keys = itertools.count()
ITEMS = ("bond", "goals", "tasks", "overall")


def rate(session: Any, participant: Any, value: int, form: str, comment: str = "") -> None:
    answers = {k: str(value) for k in ITEMS}
    if comment:
        answers["change"] = comment
    services.save_response(
        session=session,
        participant=participant,
        instrument=current_instrument(form),
        answers=answers,
        idempotency_key=f"g{next(_keys)}",
        channel="link" if form.endswith("client") else "self",
    )


def client_with_ratings(
    clinic: Any,
    code: str,
    values: list[int],
    *,
    therapist: Any = None,
    own: list[int] | None = None,
    days_ago: list[int] | None = None,
    comments: list[str] | None = None,
) -> Any:
    """A new client in their own episode with `therapist` (Tess by default); the client rates
    session i with values[i] (and the therapist with own[i], when given)."""
    therapist = therapist or clinic.therapist
    client = Client.objects.create(
        organization=clinic.org, code=code, display_name=f"Client {code}", created_by=therapist
    )
    episode = make_episode(clinic.org, therapist, [client])
    client_part = episode.participants.get(client=client)
    staff_part = episode.participants.get(user=therapist)
    for i, value in enumerate(values):
        when = timezone.now() - dt.timedelta(days=(days_ago[i] if days_ago else 1), hours=1)
        session = make_session(episode, starts_at=when)
        rate(session, client_part, value, "alliance-checkin-client", (comments or [""] * 99)[i])
        if own is not None:
            rate(session, staff_part, own[i], "alliance-checkin-therapist")
    return episode

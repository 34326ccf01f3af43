from __future__ import annotations

import re
from typing import Any

from alliance.care.models import Participant
from alliance.checkins import services
from alliance.checkins.models import CheckinRequest
from alliance.measures.models import current_instrument

ALLIANCE = ("alliance-checkin-client",)


def client_participant(clinic: Any) -> Participant:
    return clinic.episode.participants.get(client=clinic.client)


def therapist_participant(clinic: Any) -> Participant:
    return clinic.episode.participants.get(user=clinic.therapist)


def issue(
    clinic: Any, session: Any = None, only: tuple[str, ...] | None = ALLIANCE
) -> tuple[CheckinRequest, str]:
    """A link for the clinic's client; by default for the alliance check-in alone."""
    session = session or clinic.session
    participant = session.episode.participants.filter(client__isnull=False).first()
    instruments = [current_instrument(k) for k in only] if only else None
    result = services.issue_link(session, participant, by=clinic.therapist, instruments=instruments)
    assert result is not None
    return result


def form_key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert found, "no idempotency key in the form"
    return found.group(1)


def good_answers(key: str, prefix: str = "q1", **extra: str) -> dict[str, str]:
    data = {
        "idempotency_key": key,
        f"{prefix}-bond": "8",
        f"{prefix}-goals": "7",
        f"{prefix}-tasks": "9",
        f"{prefix}-overall": "8",
        f"{prefix}-change": "More time for the homework.",
    }
    data.update(extra)
    return data

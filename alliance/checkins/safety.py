"""What a client is told about who reads their answers, and where to turn in a crisis.

A check-in is not a crisis line: it is read by a person, at the pace the organization set. A
client must learn that before they answer, and a client who answers a risk question must be
shown, then and there, where help is available now (docs/checkins.md, "Safety for the client").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation

from alliance.accounts.models import CrisisInformation
from alliance.accounts.safety import crisis_information_for
from alliance.care.models import CareEpisode
from alliance.prepared import PreparedLookup

from . import services
from .models import Response


@dataclass(frozen=True)
class ClientSafety:
    clinic: str
    therapist: str
    answers_read: str  # the organization's Organization.answers_read key
    crisis: CrisisInformation | None


def for_episode(episode: CareEpisode, language: str | None = None) -> ClientSafety:
    organization = episode.organization
    return ClientSafety(
        clinic=organization.name,
        therapist=services.therapist_first_name(episode),
        answers_read=organization.answers_read,
        crisis=crisis_information_for(organization.pk, language or translation.get_language()),
    )


def from_context(context: Any) -> ClientSafety | None:
    """The page's ClientSafety: given as `safety`, or worked out once from the page's `checkin`
    (a CheckinRequest) or `episode`, and kept in the context for the next include."""
    found = context.get("safety")
    if isinstance(found, ClientSafety):
        return found
    checkin = context.get("checkin")
    episode = checkin.session.episode if checkin is not None else context.get("episode")
    if not isinstance(episode, CareEpisode):
        return None
    safety = for_episode(episode)
    context.dicts[0]["safety"] = safety
    return safety


def has_risk_answer(checkin: Any) -> bool:
    """Whether any answer stored through this link raised a risk flag."""
    return bool(_RISK_ANSWER.rows(request=checkin.pk))


# Asked on every client's thank-you page (alliance/prepared.py).
_RISK_ANSWER = PreparedLookup(
    lambda request: (
        Response.objects.filter(request_id=request).exclude(risk=[]).order_by().only("pk")[:1]
    ),
    request=int,
)

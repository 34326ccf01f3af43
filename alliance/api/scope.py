"""Every lookup an API token makes, scoped to its organization: 404 for anything outside it.

The token stands for the organization's record system, so it sees the organization's clinical
data the way the organization does (docs/decisions.md, "API tokens act for the organization").
Like alliance.accounts.access, no API view queries clinical data except through here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from alliance.care.models import CareEpisode, Client, Participant, Session
from alliance.checkins.models import CheckinRequest, Response
from alliance.insights.models import Alert

MAX_ID = 999_999_999_999_999_999


def clients(org: Any) -> QuerySet[Client]:
    return Client.objects.filter(organization=org)


def episodes(org: Any) -> QuerySet[CareEpisode]:
    return CareEpisode.objects.filter(organization=org)


def sessions(org: Any) -> QuerySet[Session]:
    return Session.objects.filter(episode__organization=org)


def participants(org: Any) -> QuerySet[Participant]:
    return Participant.objects.filter(episode__organization=org)


def checkin_requests(org: Any) -> QuerySet[CheckinRequest]:
    return CheckinRequest.objects.filter(session__episode__organization=org)


def responses(org: Any) -> QuerySet[Response]:
    return Response.objects.filter(session__episode__organization=org)


def alerts(org: Any) -> QuerySet[Alert]:
    return Alert.objects.filter(episode__organization=org)


def get(queryset: QuerySet[Any], pk: Any) -> Any:
    """The object with this id in the scoped queryset, or 404 (never a 500 for odd input)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404("Not found") from None
    if not 0 < number <= MAX_ID:
        raise Http404("Not found")
    try:
        return queryset.get(pk=number)
    except queryset.model.DoesNotExist:
        raise Http404("Not found") from None

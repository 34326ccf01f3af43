"""Every client page in every state a client can meet, for the translation test, the browser
matrix and the screenshots: one place that knows how to reach each of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.test import Client as HttpClient
from django.utils import timezone

from alliance.checkins import ratelimit, services
from alliance.goals import services as goals
from alliance.measures.models import current_instrument
from tests.conftest import make_session

from .helpers import form_key, good_answers

ALLIANCE = "alliance-checkin-client"
COMBINED = ("phq-9", "gad-7", ALLIANCE)
CONTACT = "020 7946 0000"


@dataclass
class Tour:
    """Links of one client: after session 4 (goal review due), a combined PHQ-9/GAD-7 form
    (session 5) and a session that has not started yet (the agenda is offered)."""

    after: str
    combined: str
    before: str


def _issue(clinic: Any, session: Any, keys: tuple[str, ...]) -> str:
    participant = session.episode.participants.get(client=clinic.client)
    instruments = [current_instrument(k) for k in keys]
    result = services.issue_link(session, participant, by=clinic.therapist, instruments=instruments)
    assert result is not None
    return result[1]


def prepare(clinic: Any, language: str = "") -> Tour:
    """Goals, shared progress, the clinic's contact, three links; the client's language."""
    clinic.org.client_contact = CONTACT
    clinic.org.save()
    if language:
        clinic.client.language = language
        clinic.client.save()
    row = services.episode_settings(clinic.episode)
    row.share_progress_with_client = True
    row.save()
    goals.add_goal(clinic.episode, by=clinic.therapist, wording="Sleep through most nights")
    goals.add_goal(clinic.episode, by=clinic.therapist, wording="Go back to the choir")
    session = clinic.session
    while session.number < 4:
        session = make_session(clinic.episode)
    after = _issue(clinic, session, (ALLIANCE,))
    combined = _issue(clinic, make_session(clinic.episode), COMBINED)
    upcoming = make_session(
        clinic.episode, starts_at=timezone.now() + dt.timedelta(days=1), status="scheduled"
    )
    before = _issue(clinic, upcoming, (ALLIANCE,))
    return Tour(after=after, combined=combined, before=before)


def pages(http: HttpClient, tour: Tour) -> dict[str, str]:
    """Visit every client page and state with one browser; returns name -> HTML."""
    seen: dict[str, str] = {}

    def keep(name: str, response: Any) -> None:
        assert response.status_code in (200, 400, 404, 429), (name, response.status_code)
        seen[name] = response.content.decode()

    t = tour.after
    html = http.get(f"/c/{t}/").content.decode()
    seen["form"] = html
    key = form_key(html)
    keep("form-errors", http.post(f"/c/{t}/", good_answers(key, **{"q1-bond": "11"})))
    keep("form-gaps", http.post(f"/c/{t}/", {"idempotency_key": key, "q1-bond": "7"}))
    keep("combined", http.get(f"/c/{tour.combined}/"))
    keep("before", http.get(f"/c/{tour.before}/"))
    keep("agenda-before", http.get(f"/c/{tour.before}/agenda/"))
    keep("agenda-errors", http.post(f"/c/{tour.before}/agenda/", {"focus": "x" * 501}))
    http.post(f"/c/{tour.before}/agenda/", {"focus": "Sleep"})
    # Agenda given before session 4 too, so its thank-you page asks "did we work on it?".
    http.get(f"/c/{t}/")
    keep("agenda-after", http.get(f"/c/{t}/agenda/"))
    http.post(f"/c/{t}/agenda/", {"focus": "My sleep", "worked_on": "6"})
    done = http.post(f"/c/{t}/", good_answers(key, send_with_gaps="1"))
    keep("thank-you", http.get(done["Location"]))
    keep("goals", http.get(f"/c/{t}/goals/"))
    keep("goals-errors", http.post(f"/c/{t}/goals/", {"new_goal": "y" * 301}))
    keep("preferences", http.get(f"/c/{t}/preferences/"))
    keep("preferences-errors", http.post(f"/c/{t}/preferences/", {"pace": "sideways"}))
    keep("preferences-saved", http.post(f"/c/{t}/preferences/", {"pace": "slower"}))
    keep("goals-done", http.post(f"/c/{t}/goals/", {"new_goal": "Sing again"}))

    # Another browser in the same language: a used link, an unknown one, a blocked address.
    def stranger() -> HttpClient:
        return HttpClient(**{**http.defaults, "REMOTE_ADDR": "127.0.0.1"})

    keep("received", stranger().get(f"/c/{t}/"))
    keep("unavailable", stranger().get("/c/" + "A" * 43 + "/"))
    cache.set(ratelimit._key(_FakeRequest()), 10**6, 60)
    keep("too-many", stranger().get("/c/" + "B" * 43 + "/"))
    cache.clear()
    return seen


class _FakeRequest:
    META = {"REMOTE_ADDR": "127.0.0.1"}
    headers: dict[str, str] = {}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]

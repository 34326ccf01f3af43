"""The check-ins' panels: on a session page what is due, links, responses and the own rating;
on the episode page the links' states and the between-session pulse."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import translation

from alliance.accounts import access
from alliance.care.models import CareEpisode, Session
from alliance.care.panels import Page
from alliance.measures.models import Instrument

from . import pulse, sending, services
from .forms import IDEMPOTENCY_FIELD, QuestionnaireForm
from .models import CheckinRequest, Response


def session_panel(viewer: access.Viewer, session: Session) -> dict[str, Any]:
    can_change = access.may_change(viewer, session.episode)
    due = services.due_measures(session)
    people: dict[int, dict[str, Any]] = {}
    for d in due:
        row = people.setdefault(
            d.participant.pk,
            {
                "participant": d.participant,
                "due": [],
                "open": 0,
                "email": bool(services.recipient_email(d.participant)),
                "is_me": d.participant.user_id == viewer.user.pk,
            },
        )
        row["due"].append(d)
        row["open"] += 0 if d.answered else 1
    own_form = None
    mine = next((r for r in people.values() if r["is_me"] and r["open"]), None)
    if mine is not None and can_change:
        instruments = [d.instrument for d in mine["due"] if not d.answered]
        own_form = QuestionnaireForm(instruments, translation.get_language() or "en")
    return {
        "can_change": can_change,
        "people": list(people.values()),
        "requests": CheckinRequest.objects.filter(session=session)
        .select_related("participant__client", "participant__user")
        .prefetch_related("items__instrument")[:20],
        "responses": Response.objects.filter(session=session).select_related(
            "instrument", "participant__client", "participant__user", "entered_by_staff"
        ),
        "own_form": own_form,
        "scheduled": sending.session_statuses(session),
        "automatic": services.episode_settings(session.episode).send_automatically,
        "idempotency_field": IDEMPOTENCY_FIELD,
    }


def session_page_panel(page: Page) -> dict[str, Any]:
    return {"checkins": session_panel(page.viewer, page.subject)}


def links_panel(page: Page) -> dict[str, Any]:
    # The pulse, drawn first, reads the episode's check-in settings; the link states then reuse
    # them instead of reading them again (the page's query count stays as it was).
    page.entries("pulse")
    return {"link_states": sending.episode_overview(page.subject, sessions=page.sessions)}


def pulse_panel(page: Page) -> dict[str, Any]:
    return {"pulse": pulse.pulse_panel(page.subject, episode_responses(page), page.sessions)}


def episode_responses(page: Page) -> list[Response]:
    """Every response of the episode, by session number and participant, read once per page for
    every panel that shows them (the pulse here; the charts, table and summary above)."""
    return page.once("checkins.responses", lambda: read_responses(page.episode, page.sessions))


def read_responses(episode: CareEpisode, sessions: list[Session]) -> list[Response]:
    """The episode's responses, each given the session and participant the page already holds
    instead of a joined copy of its own: a hundred responses would otherwise bring a hundred
    sessions, participants and clients along, each built and remembered for the audit trail.
    The few questionnaires come in a query of their own: joined, each response would carry (and
    decode) its questionnaire's whole definition again. Their definitions are left out even
    there: the page needs a questionnaire's title and kind, and its parsed definition, which
    each worker keeps (Instrument.parsed reads the definition on first use only)."""
    by_session = {s.pk: s for s in sessions}
    people = {p.pk: p for p in episode.participants.all()}
    rows = list(
        Response.objects.filter(session__episode=episode)
        .prefetch_related(Prefetch("instrument", Instrument.objects.defer("definition")))
        .order_by("session__number", "participant_id", "pk")
    )
    for row in rows:
        # A row whose session or participant the page does not hold (none should) reads its
        # own when asked, as any model does.
        if row.session_id in by_session:
            row.session = by_session[row.session_id]
        if row.participant_id in people:
            row.participant = people[row.participant_id]
    return rows

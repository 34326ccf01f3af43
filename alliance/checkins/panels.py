"""The check-ins' panels: on a session page what is due, links, responses and the own rating;
on the episode page the links' states and the between-session pulse."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from alliance.accounts import access
from alliance.care.models import Session
from alliance.care.panels import Page

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
    return {"link_states": sending.episode_overview(page.subject)}


def pulse_panel(page: Page) -> dict[str, Any]:
    return {"pulse": pulse.pulse_panel(page.subject)}

"""The offer on the client's thank-you page: review your goals (when due) and your preferences.

A tag, so the check-in app's thank-you page needs one line and no change to its view: the token
comes from the URL the page was resolved from."""

from __future__ import annotations

from typing import Any

from django import template

from alliance.goals import services
from alliance.goals.models import SessionAgenda
from alliance.goals.views import link_checkin

register = template.Library()


@register.inclusion_tag("goals/_client_offer.html", takes_context=True)
def goal_offer(context: Any, moment: str = "after") -> dict[str, Any]:
    """After the check-in: goal review (when due), preferences, and "did we work on it?" for a
    client who gave a focus beforehand. Before the session (on the check-in form): only the
    agenda question, so nobody leaves a half-answered form for more."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    token = (match.kwargs.get("token") if match else "") or ""
    checkin = link_checkin(token, known=context.get("checkin")) if token else None
    if checkin is None:
        return {"show": False}
    due = services.review_due(checkin.session) and not services.already_reviewed(
        checkin.session, checkin.participant
    )
    agenda = services.agenda_of(checkin.session, checkin.participant)
    return {
        "show": True,
        "token": token,
        "review_due": due,
        "before": moment == "before",
        "agenda_focus": bool(agenda and agenda.focus),
    }


@register.inclusion_tag("goals/_session_agenda.html")
def session_agenda(session: Any) -> dict[str, Any]:
    """The clients' agenda for a session, for the session page (access already checked there)."""
    agendas = list(
        SessionAgenda.objects.filter(session=session).select_related("participant__client")
    )
    return {"agendas": agendas, "several": len(agendas) > 1}

"""The offer on the client's thank-you page: review your goals (when due) and your preferences.

A tag, so the check-in app's thank-you page needs one line and no change to its view: the token
comes from the URL the page was resolved from."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("goals/_client_offer.html", takes_context=True)
def goal_offer(context: Any) -> dict[str, Any]:
    from alliance.goals import services
    from alliance.goals.views import link_checkin

    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    token = (match.kwargs.get("token") if match else "") or ""
    checkin = link_checkin(token) if token else None
    if checkin is None:
        return {"show": False}
    due = services.review_due(checkin.session) and not services.already_reviewed(
        checkin.session, checkin.participant
    )
    return {"show": True, "token": token, "review_due": due}

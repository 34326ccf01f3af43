"""The "self-check due" banner on the home page, kept here so the dashboard needs one tag."""

from __future__ import annotations

from typing import Any

from django import template

from alliance.wellbeing import reminders

register = template.Library()


@register.inclusion_tag("wellbeing/_due_banner.html", takes_context=True)
def wellbeing_due_banner(context: Any) -> dict[str, Any]:
    viewer = context.get("viewer")
    if viewer is None or not (viewer.is_therapist or viewer.is_supervisor):
        return {"due": None}
    return {"due": reminders.status(viewer.user)}

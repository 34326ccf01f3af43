from __future__ import annotations

from typing import Any

from django import template

from alliance.accounts import access
from alliance.language.models import SessionTranscript
from alliance.language.services import may_see

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.4 → '40%'; None (nothing to divide by) → '—'."""
    return f"{round(value * 100)}%" if isinstance(value, int | float) else "—"


@register.inclusion_tag("language/_session_panel.html", takes_context=True)
def session_language(context: dict[str, Any], session: Any) -> dict[str, Any]:
    """The session page's language panel: a link to upload for the session's own therapists,
    and to the analysis for whoever may see it; nothing at all for anyone else."""
    viewer = context["request"].viewer
    can_upload = access.may_change(viewer, session.episode)
    transcript = SessionTranscript.objects.filter(session=session).first()
    if transcript is not None and not may_see(viewer, transcript):
        transcript = None
    return {
        "session": session,
        "transcript": transcript,
        "can_upload": can_upload,
        "show": can_upload or transcript is not None,
    }

"""Office tablet mode: a therapist's signed-in tablet, handed to one client after another.

The therapist chooses one of their own sessions; the tablet then shows a neutral screen ("hand
the tablet to your client"). The client starts their check-in from it, and after sending (or
after a short idle time) the tablet is back on the neutral screen. While the mode is on, this
browser reaches nothing but the tablet pages (KioskLockMiddleware), so a client cannot wander
into the therapist's caseload; leaving the mode signs the therapist out.

What a client answered is never one "back" away: the form is only reachable right after
"Start", every tablet page is sent with `Cache-Control: no-store` (no back-forward cache), the
form is rendered empty each time with `autocomplete="off"` (no form-state restoring), and the
neutral screen holds no answers and no names.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from alliance.audit import trail
from alliance.audit.models import Action
from alliance.care.models import CLIENT_ROLES, Participant, Session

from . import services

SESSION_KEY = "alliance_kiosk"
# Pages the tablet may still reach while the mode is on (everything else goes back to the
# neutral screen). Static files are served before this middleware by WhiteNoise.
ALLOWED_PREFIXES = ("/kiosk/", "/static/", "/healthz")


def state(request: HttpRequest) -> dict[str, Any] | None:
    found = request.session.get(SESSION_KEY)
    return found if isinstance(found, dict) else None


def arm(request: HttpRequest, session: Session) -> None:
    request.session[SESSION_KEY] = {"session": session.pk, "request": None}
    trail.record(Action.CREATE, session, object_type="checkins.KioskMode", after={"on": True})


def remember_link(request: HttpRequest, checkin_pk: int | None) -> None:
    found = state(request)
    if found is not None:
        found["request"] = checkin_pk
        found["at"] = timezone.now().isoformat()
        request.session[SESSION_KEY] = found


def remember_sent(request: HttpRequest, checkin_pk: int | None) -> None:
    """The link just completed on this tablet, so the thank-you screen can tell whether to show
    where help is available now. Only its id is kept, never an answer."""
    found = state(request)
    if found is not None:
        found["sent"] = checkin_pk
        request.session[SESSION_KEY] = found


def disarm(request: HttpRequest) -> None:
    """Tablet mode off without signing out (its session is out of this therapist's reach)."""
    request.session.pop(SESSION_KEY, None)


def next_client(session: Session) -> Participant | None:
    """The first client of the session who still has something to answer."""
    for due in services.due_measures(session):
        person = due.participant
        if person.client_id and person.role in CLIENT_ROLES and not due.answered:
            return person
    return None


def open_clients(session: Session) -> int:
    return len(
        {
            d.participant.pk
            for d in services.due_measures(session)
            if d.participant.client_id and not d.answered
        }
    )


class KioskLockMiddleware:
    """While tablet mode is on in this browser, every page but the tablet's own leads back to
    the neutral screen."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        # Client links and static files never touch the session (no Vary: Cookie for them).
        if not path.startswith(("/c/", *ALLOWED_PREFIXES)):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and state(request) is not None:
                page = redirect("checkins:kiosk_ready")
                page["Cache-Control"] = "no-store"
                return page
        response: HttpResponse = self.get_response(request)
        return response

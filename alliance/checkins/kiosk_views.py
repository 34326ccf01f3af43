"""Office tablet mode pages (alliance/checkins/kiosk.py says how the mode keeps answers private).

Thin: the access layer finds the therapist's own session, the check-in services make the link
and store the answers (the same path as a link sent by email: audited, alerts recomputed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.audit import trail
from alliance.audit.models import Action

from . import client_language, kiosk, services
from .forms import CONFIRM_PARTIAL_FIELD, IDEMPOTENCY_FIELD, QuestionnaireForm
from .models import ACTIVE_STATES, CheckinRequest

# Sessions offered on the tablet: today's and yesterday's (a check-in after an evening session).
OFFERED_DAYS = 1


def _viewer(request: HttpRequest) -> access.Viewer:
    return request.viewer  # type: ignore[attr-defined,no-any-return]


def no_store(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Nothing a tablet page shows may be kept by the browser or come back with "back"."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        return response

    return wrapped


@login_required
@no_store
def kiosk_home(request: HttpRequest) -> HttpResponse:
    """Choose one of one's own sessions of today; then the tablet goes to the neutral screen."""
    viewer = _viewer(request)
    access.require_role(viewer, Role.THERAPIST)
    if kiosk.state(request) is not None:
        return redirect("checkins:kiosk_ready")
    if request.method == "POST":
        session = access.get_own_session(viewer, request.POST.get("session"))
        kiosk.arm(request, session)
        trail.record(Action.CREATE, session, object_type="checkins.KioskMode", after={"on": True})
        return redirect("checkins:kiosk_ready")
    today = timezone.localdate()
    sessions = (
        access.own_sessions(viewer)
        .filter(
            starts_at__date__gte=today - dt.timedelta(days=OFFERED_DAYS),
            starts_at__date__lte=today,
        )
        .exclude(status__in=("cancelled", "no_show"))
        .prefetch_related("episode__participants__client")
        .order_by("starts_at")
    )
    rows = [{"session": s, "open": kiosk.open_clients(s)} for s in sessions]
    return render(request, "checkins/kiosk_home.html", {"rows": rows})


def _armed_session(request: HttpRequest) -> Any:
    found = kiosk.state(request)
    if found is None:
        return None
    return access.get_own_session(_viewer(request), found["session"])


@login_required
@no_store
def kiosk_ready(request: HttpRequest) -> HttpResponse:
    """The neutral screen: no names, no answers. Coming here ends any check-in in progress."""
    session = _armed_session(request)
    if session is None:
        return redirect("checkins:kiosk")
    abandoned = _current_link(request, session)
    if abandoned is not None:
        # Put down unanswered (idle, or "back"): that link is closed, so it neither stays
        # open on the tablet nor holds back the link the client would get by email.
        services.cancel(abandoned)
    kiosk.remember_link(request, None)
    context = {
        "clinic_name": session.episode.organization.name,
        "therapist": services.therapist_first_name(session.episode),
        "thanks": request.GET.get("thanks") == "1",
        "everyone_done": kiosk.next_client(session) is None,
    }
    return render(request, "checkins/kiosk_ready.html", context)


@login_required
@require_POST
@no_store
def kiosk_next(request: HttpRequest) -> HttpResponse:
    """ "Start": a fresh link for the next client of the session, opened on this tablet."""
    session = _armed_session(request)
    if session is None:
        return redirect("checkins:kiosk")
    person = kiosk.next_client(session)
    issued = services.issue_link(session, person, by=_viewer(request).user) if person else None
    if issued is None:
        return redirect("checkins:kiosk_ready")
    kiosk.remember_link(request, issued[0].pk)
    return redirect("checkins:kiosk_checkin")


def _current_link(request: HttpRequest, session: Any) -> CheckinRequest | None:
    found = kiosk.state(request) or {}
    if not found.get("request"):
        return None
    return (
        CheckinRequest.objects.filter(pk=found["request"], session=session, state__in=ACTIVE_STATES)
        .select_related("participant__client", "session__episode__organization")
        .first()
    )


@login_required
@no_store
def kiosk_checkin(request: HttpRequest) -> HttpResponse:
    """The client's check-in on the tablet: the same questions and storage as a link."""
    session = _armed_session(request)
    if session is None:
        return redirect("checkins:kiosk")
    checkin = _current_link(request, session)
    if checkin is None:  # "back" after sending, or after the idle time: not here any more
        return redirect("checkins:kiosk_ready")
    lang = client_language.activate_for(request, checkin)
    instruments = checkin.instruments()
    data = request.POST if request.method == "POST" else None
    form = QuestionnaireForm(instruments, lang, data)
    if request.method == "POST" and form.is_valid() and (form.gaps_confirmed or not form.skipped):
        services.submit_link(checkin.pk, form.answers, form.idempotency_key, instruments)
        kiosk.remember_link(request, None)
        return redirect(f"{_ready_url()}?thanks=1")
    if request.method == "GET":
        services.mark_opened(checkin)
    context = {
        "form": form,
        "clinic_name": session.episode.organization.name,
        "therapist": services.therapist_first_name(session.episode),
        "idempotency_field": IDEMPOTENCY_FIELD,
        "confirm_field": CONFIRM_PARTIAL_FIELD,
        "kiosk": True,
        "kiosk_for": checkin.participant.client.display_name,
        "idle_seconds": settings.KIOSK_IDLE_SECONDS,
        "ask_gaps": request.method == "POST" and not form.has_errors,
        "before_session": False,
    }
    status = 400 if form.has_errors else 200
    return render(request, "checkins/client_form.html", context, status=status)


def _ready_url() -> str:
    return reverse("checkins:kiosk_ready")


@login_required
@require_POST
def kiosk_end(request: HttpRequest) -> HttpResponse:
    """Leave tablet mode: the therapist signs out, so the tablet holds no open account."""
    logout(request)
    return redirect(settings.LOGIN_URL)

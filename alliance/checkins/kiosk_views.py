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
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.care.models import Session

from . import client_language, kiosk, safety, services
from .forms import CONFIRM_PARTIAL_FIELD, IDEMPOTENCY_FIELD, QuestionnaireForm
from .models import ACTIVE_STATES, CheckinRequest, CheckinState, Response

# Sessions offered on the tablet: today's and yesterday's (a check-in after an evening session).
OFFERED_DAYS = 1


def no_store(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Nothing a tablet page shows may be kept by the browser or come back with "back"."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        return response

    return wrapped


@no_store
@access.staff_page(Role.THERAPIST)
def kiosk_home(request: access.StaffRequest) -> HttpResponse:
    """Choose one of one's own sessions of today; then the tablet goes to the neutral screen."""
    viewer = request.viewer
    if kiosk.state(request) is not None:
        return redirect("checkins:kiosk_ready")
    if request.method == "POST":
        session = _own_session(viewer, request.POST.get("session"))
        kiosk.arm(request, session)
        return redirect("checkins:kiosk_ready")
    today = timezone.localdate()
    sessions = (
        Session.objects.visible_to(viewer, write=True)
        .select_related("episode")
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


def _own_session(viewer: access.Viewer, pk: Any) -> Session:
    """Tablet mode works only with sessions of episodes the therapist works in, never a
    supervisee's or a colleague's: any other id is as unknown as a wrong one (404)."""
    return access.get_in(
        Session.objects.visible_to(viewer, write=True).select_related("episode"), pk
    )


def _armed_session(request: access.StaffRequest) -> Any:
    found = kiosk.state(request)
    if found is None:
        return None
    try:
        return _own_session(request.viewer, found["session"])
    except Http404:
        # The session went out of reach while the tablet was on (therapist removed, episode
        # closed): leave tablet mode, or the lock would send every page, sign-out too, to a 404.
        kiosk.disarm(request)
        return None


@no_store
@access.staff_page()
def kiosk_ready(request: access.StaffRequest) -> HttpResponse:
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
    thanks = request.GET.get("thanks") == "1"
    risk_answer = thanks and _sent_with_risk_answer(request, session)
    kiosk.remember_sent(request, None)  # shown once; the next screen is neutral again
    context = {
        "clinic_name": session.episode.organization.name,
        "therapist": services.therapist_first_name(session.episode),
        "thanks": thanks,
        "risk_answer": risk_answer,
        # Only the clinic's crisis information, never the answers behind it.
        "safety": safety.for_episode(session.episode) if risk_answer else None,
        "thanks_seconds": settings.KIOSK_CRISIS_SECONDS if risk_answer else THANKS_SECONDS,
        "everyone_done": kiosk.next_client(session) is None,
    }
    return render(request, "checkins/kiosk_ready.html", context)


# How long the thank-you screen stays before the neutral screen; longer when it shows where
# help is available now, so a client who answered a risk question has time to read it.
THANKS_SECONDS = 8


def _sent_with_risk_answer(request: HttpRequest, session: Any) -> bool:
    sent = (kiosk.state(request) or {}).get("sent")
    if not sent:
        return False
    link = CheckinRequest.objects.filter(
        pk=sent, session=session, state=CheckinState.COMPLETED
    ).first()
    return link is not None and safety.has_risk_answer(link)


@require_POST
@no_store
@access.staff_page()
def kiosk_next(request: access.StaffRequest) -> HttpResponse:
    """ "Start": a fresh link for the next client of the session, opened on this tablet."""
    session = _armed_session(request)
    if session is None:
        return redirect("checkins:kiosk")
    person = kiosk.next_client(session)
    issued = services.issue_link(session, person, by=request.viewer.user) if person else None
    if issued is None:
        return redirect("checkins:kiosk_ready")
    kiosk.remember_link(request, issued[0].pk)
    return redirect("checkins:kiosk_checkin")


# The form carries its own link, signed: answers sent after that link was closed (staff sent a
# new one, the neutral screen was opened in another tab) still say which client and session they
# belong to, so they can be stored rather than dropped.
LINK_SALT = "alliance.kiosk.link"
LINK_FIELD = "kiosk_link"


def _posted_link(request: HttpRequest, session: Any) -> CheckinRequest | None:
    try:
        pk = signing.loads(str(request.POST.get(LINK_FIELD, "")), salt=LINK_SALT)
    except signing.BadSignature:
        return None
    return (
        CheckinRequest.objects.filter(pk=pk, session=session)
        .select_related("participant__client", "session__episode__organization")
        .first()
    )


def _current_link(request: HttpRequest, session: Any) -> CheckinRequest | None:
    found = kiosk.state(request) or {}
    if not found.get("request"):
        return None
    return (
        CheckinRequest.objects.filter(pk=found["request"], session=session, state__in=ACTIVE_STATES)
        .select_related("participant__client", "session__episode__organization")
        .first()
    )


@no_store
@access.staff_page()
def kiosk_checkin(request: access.StaffRequest) -> HttpResponse:
    """The client's check-in on the tablet: the same questions and storage as a link."""
    session = _armed_session(request)
    if session is None:
        return redirect("checkins:kiosk")
    posted = _posted_link(request, session) if request.method == "POST" else None
    checkin = posted or _current_link(request, session)
    if checkin is None:  # "back" after sending, or after the idle time: not here any more
        return redirect("checkins:kiosk_ready")
    lang = client_language.activate_for(request, checkin)
    instruments = checkin.instruments()
    data = request.POST if request.method == "POST" else None
    form = QuestionnaireForm(instruments, lang, data)
    not_stored = False
    if request.method == "POST" and form.is_valid() and (form.gaps_confirmed or not form.skipped):
        stored = _store_answers(request, checkin, form, instruments)
        if stored is not None:
            kiosk.remember_link(request, None)
            kiosk.remember_sent(request, stored.pk)
            return redirect(f"{_ready_url()}?thanks=1")
        not_stored = True
    if request.method == "GET":
        services.mark_opened(checkin)
    context = {
        "form": form,
        "kiosk_link": signing.dumps(checkin.pk, salt=LINK_SALT),
        "checkin": checkin,  # the crisis and "who reads this" blocks find the clinic through it
        "kiosk_not_stored": not_stored,
        "clinic_name": session.episode.organization.name,
        "therapist": services.therapist_first_name(session.episode),
        "idempotency_field": IDEMPOTENCY_FIELD,
        "confirm_field": CONFIRM_PARTIAL_FIELD,
        "kiosk": True,
        "kiosk_for": checkin.participant.client.display_name,
        "idle_seconds": settings.KIOSK_IDLE_SECONDS,
        "ask_gaps": request.method == "POST" and not form.has_errors and not not_stored,
        "before_session": False,
    }
    status = 400 if form.has_errors else 409 if not_stored else 200
    return render(request, "checkins/client_form.html", context, status=status)


def _store_answers(
    request: access.StaffRequest, checkin: CheckinRequest, form: QuestionnaireForm, instruments: Any
) -> CheckinRequest | None:
    """Store the answers through the tablet's link; the link that holds them, or None.

    The link can stop working while the client answers (it expired, staff sent a new link
    which cancelled it, another tab opened the neutral screen). The client is still at the
    tablet with the therapist's session armed, so what they entered is kept: a fresh link for
    the same session and client (as "Start" makes) takes the answers. Only measures still open
    are given to it, so nothing is stored twice."""
    outcome = services.submit_link(checkin.pk, form.answers, form.idempotency_key, instruments)
    if outcome != "invalid":
        return checkin
    still_open = {i.pk for i in services.open_measures(checkin.session, checkin.participant)}
    remaining = [i for i in instruments if i.pk in still_open]
    if not remaining:
        # Everything is answered already: by this very form (sent twice), or some other way.
        resent = Response.objects.filter(
            participant=checkin.participant,
            session=checkin.session,
            idempotency_key__endswith=f":{form.idempotency_key}",
        ).first()
        return resent.request if resent is not None else None
    fresh = services.issue_link(
        checkin.session, checkin.participant, by=request.viewer.user, instruments=remaining
    )
    if fresh is None:
        return None
    outcome = services.submit_link(fresh[0].pk, form.answers, form.idempotency_key, remaining)
    return fresh[0] if outcome != "invalid" else None


def _ready_url() -> str:
    return reverse("checkins:kiosk_ready")


@require_POST
@access.staff_page()
def kiosk_end(request: access.StaffRequest) -> HttpResponse:
    """Leave tablet mode: the therapist signs out, so the tablet holds no open account."""
    logout(request)
    return redirect(settings.LOGIN_URL)

"""Check-in pages: the client's link (no sign-in) and the staff pages around a session.

Client pages never say why a link does not work (unknown, expired, cancelled and tampered links
get the same page), never log the path (it holds the token) and store nothing on failure. A used
link is not a failure: whoever holds it is told, calmly, that the answers were received.
Staff pages are thin: an alliance.accounts.access lookup, then a service call, then render.
"""

from __future__ import annotations

import base64
import re

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.audit import context
from alliance.care.models import CareEpisode, Session
from alliance.converters import parse_id
from alliance.dates import format_day

from . import blank_form, client_language, fhir_export, ratelimit, safety, services
from . import jobs as checkin_jobs
from .forms import (
    CONFIRM_PARTIAL_FIELD,
    IDEMPOTENCY_FIELD,
    PlanEntryForm,
    QuestionnaireForm,
    ShareProgressForm,
)
from .models import (
    ACTIVE_STATES,
    CheckinRequest,
    CheckinState,
    ClinicPlanEntry,
    EpisodePlanEntry,
    LinkPurpose,
    Response,
)

DONE_COOKIE = "alliance_checkin_done"
# Long enough to read the thank-you page (and one's own progress), short enough that the next
# person on a shared tablet does not find it.
DONE_COOKIE_SECONDS = 10 * 60
# The idempotency key of the form this browser loaded last: proof that a repeated submission
# comes from the browser that loaded the form, not from someone who only learned the key.
FORM_COOKIE = "alliance_checkin_form"
FORM_COOKIE_SECONDS = 24 * 60 * 60


# --- client pages ------------------------------------------------------------------------------


def _quiet(response: HttpResponse) -> HttpResponse:
    # Django logs every 4xx with its path; a check-in path holds the token, so it is never logged.
    response._has_been_logged = True  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response


def _unavailable(request: HttpRequest) -> HttpResponse:
    ratelimit.record_failure(request)
    return _quiet(render(request, "checkins/client_unavailable.html", status=404))


def _too_many(request: HttpRequest) -> HttpResponse:
    return _quiet(render(request, "checkins/client_too_many.html", status=429))


def _client_context(checkin: CheckinRequest, form: QuestionnaireForm, token: str) -> dict:
    episode = checkin.session.episode
    pulse = checkin.purpose == LinkPurpose.PULSE
    # Read once for the page: the "who reads" block, the crisis text beside a risk item and
    # the header all name the same therapist and clinic.
    client_safety = safety.for_episode(episode)
    return {
        "form": form,
        "safety": client_safety,
        # A blank form's questions come rendered (blank_form.py); with answers, the template
        # renders them.
        "questions_html": blank_form.questions_html(form, client_safety),
        "clinic_name": episode.organization.name,
        "therapist": client_safety.therapist,
        "idempotency_field": IDEMPOTENCY_FIELD,
        "confirm_field": CONFIRM_PARTIAL_FIELD,
        "token": token,
        "checkin": checkin,
        # The agenda question is asked before the session; afterwards it would only lengthen
        # the form the client came to answer.
        "before_session": checkin.session.starts_at > timezone.now() and not pulse,
        "pulse": pulse,
    }


def received_page(request: HttpRequest, checkin: CheckinRequest) -> HttpResponse:
    """A completed link, opened again (another tab, the back button, a second device): the
    answers arrived, so say so calmly; no answers, no progress, nothing to guess from."""
    organization = checkin.session.episode.organization
    client_language.activate_for(request, checkin)
    return _quiet(
        render(
            request,
            "checkins/client_received.html",
            {
                "clinic_name": organization.name,
                "clinic_contact": organization.client_contact,
                "therapist": services.therapist_first_name(checkin.session.episode),
            },
        )
    )


def _done_ids(request: HttpRequest) -> list[int]:
    """The links this browser completed lately, from a signed cookie (see _done_redirect)."""
    try:
        value = request.get_signed_cookie(
            DONE_COOKIE, salt=DONE_COOKIE, max_age=DONE_COOKIE_SECONDS
        )
        return [int(pk) for pk in value.split(",") if pk.isdigit()][-10:]
    except (KeyError, ValueError, signing.BadSignature):
        return []


def finished_here(request: HttpRequest, checkin: CheckinRequest) -> bool:
    """Whether this browser completed the link lately (and nobody has started another link on
    it since): the only one who may still see the pages that follow a completed check-in."""
    return checkin.pk in _done_ids(request)


def _done_redirect(request: HttpRequest, checkin: CheckinRequest, token: str) -> HttpResponse:
    """To the thank-you page, which only the browser that submitted may see, and only briefly.

    A signed, short-lived cookie rather than the database session: no session row is written
    for a client, and on a shared tablet the page is gone once the cookie expires."""
    done = [pk for pk in _done_ids(request) if pk != checkin.pk][-9:]
    response = redirect("checkins:client_done", token=token)
    response.set_signed_cookie(
        DONE_COOKIE,
        ",".join(str(pk) for pk in [*done, checkin.pk]),
        salt=DONE_COOKIE,
        max_age=DONE_COOKIE_SECONDS,
        path="/c/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _loaded_form_key(request: HttpRequest) -> str:
    try:
        return str(
            request.get_signed_cookie(FORM_COOKIE, salt=FORM_COOKIE, max_age=FORM_COOKIE_SECONDS)
        )
    except (KeyError, signing.BadSignature):
        return ""


def _remember_form(page: HttpResponse, key: str) -> None:
    page.set_signed_cookie(
        FORM_COOKIE,
        key,
        salt=FORM_COOKIE,
        max_age=FORM_COOKIE_SECONDS,
        path="/c/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _already_submitted(request: HttpRequest, token: str) -> CheckinRequest | None:
    """A repeat POST of a completed link from the browser that sent it: it holds the done cookie,
    or it loaded the very form whose key was stored (a resend after the first answer was lost).
    The key alone, which is in the page's HTML, proves nothing about the browser."""
    found = services.find_request(token)
    if found is None or found.state != CheckinState.COMPLETED:
        return None
    key = str(request.POST.get(IDEMPOTENCY_FIELD, "")).replace("-", "")
    same_key = (
        bool(key)
        and key == _loaded_form_key(request)
        and found.responses.filter(idempotency_key__endswith=f":{key}").exists()
    )
    if same_key or found.pk in _done_ids(request):
        return found
    return None


# No CSRF token: the link's own unguessable token already proves the form came from someone
# holding the link (a forged cross-site post would need it), and Django's CSRF failure log line
# would carry the path, i.e. the token. It also spares clients a cookie.
@csrf_exempt
@never_cache
def client_checkin(request: HttpRequest, token: str) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return _quiet(HttpResponseNotAllowed(["GET", "POST"]))
    checkin = services.usable_request(token)
    if checkin is None:
        return _not_answerable(request, token)
    context.update(source="link", organization=checkin.organization)
    lang = client_language.activate_for(request, checkin)
    data = request.POST if request.method == "POST" else None
    instruments = checkin.instruments()
    form = QuestionnaireForm(instruments, lang, data)
    if request.method == "GET":
        services.mark_opened(checkin)
        page = render(request, "checkins/client_form.html", _client_context(checkin, form, token))
        # Someone new starts here: on a shared office tablet the previous client's thank-you
        # page (their progress) and goal pages must not be one "back" away from them.
        page.delete_cookie(DONE_COOKIE, path="/c/", samesite="Lax")
        _remember_form(page, form.idempotency_key)
        return _quiet(page)
    if form.is_valid() and (form.gaps_confirmed or not form.skipped):
        outcome = services.submit_link(
            checkin.pk, form.answers, form.idempotency_key, instruments=instruments, known=checkin
        )
        if outcome == "invalid":
            return _unavailable(request)
        return _done_redirect(request, checkin, token)
    page_context = _client_context(checkin, form, token)
    # Valid but with ratings left out: ask once, gently, keeping every answer; the next send
    # goes through whatever is still blank.
    page_context["ask_gaps"] = not form.has_errors
    status = 400 if form.has_errors else 200
    return _quiet(render(request, "checkins/client_form.html", page_context, status=status))


def _not_answerable(request: HttpRequest, token: str) -> HttpResponse:
    """A link that cannot be answered (any more). A completed one says the answers arrived;
    every other kind gets the same page. The rate limit is checked only here, after a failed
    lookup, so someone whose link works is never told to wait."""
    found = services.find_request(token)
    if found is not None and found.state == CheckinState.COMPLETED:
        if request.method == "POST" and _already_submitted(request, token) is not None:
            return _done_redirect(request, found, token)
        return received_page(request, found)
    if ratelimit.is_blocked(request):
        return _too_many(request)
    return _unavailable(request)


@require_POST
@csrf_exempt
@never_cache
def client_language_choice(request: HttpRequest, token: str) -> HttpResponse:
    """The language switch on a client's pages: stored for the client, then back to the page."""
    checkin = services.find_request(token)
    usable = checkin is not None and (
        checkin.state in ACTIVE_STATES
        or (checkin.state == CheckinState.COMPLETED and finished_here(request, checkin))
    )
    if checkin is None or not usable or checkin.expires_at <= timezone.now():
        if ratelimit.is_blocked(request):
            return _too_many(request)
        return _unavailable(request)
    context.update(source="link", organization=checkin.organization)
    client_language.remember(checkin, str(request.POST.get("language", "")))
    back = str(request.POST.get("next", ""))
    if not back.startswith(f"/c/{token}/") or "//" in back[3:]:
        back = f"/c/{token}/"
    return _quiet(redirect(back))


@never_cache
def client_done(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "GET":
        return _quiet(HttpResponseNotAllowed(["GET"]))
    checkin = services.find_request(token)
    if checkin is not None and checkin.state == CheckinState.COMPLETED:
        if checkin.pk not in _done_ids(request):
            # Another browser, or the thank-you page's few minutes are over.
            return received_page(request, checkin)
    else:
        if ratelimit.is_blocked(request):
            return _too_many(request)
        return _unavailable(request)
    client_language.activate_for(request, checkin)
    episode = checkin.session.episode
    share = services.episode_settings(episode).share_progress_with_client
    rows = services.progress_rows(checkin.participant) if share else []
    return _quiet(
        render(
            request,
            "checkins/client_done.html",
            {
                "clinic_name": episode.organization.name,
                "therapist": services.therapist_first_name(episode),
                "share": share,
                "rows": rows,
                "token": token,
                "checkin": checkin,
                # After a risk answer, where to turn now comes first (docs/checkins.md).
                "risk_answer": safety.has_risk_answer(checkin),
            },
        )
    )


# --- staff pages around a session ---------------------------------------------------------------


def _qr_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


def _participant(session: Session, pk: object) -> object:
    try:
        return session.episode.participants.get(pk=int(str(pk)))
    except (ValueError, session.episode.participants.model.DoesNotExist):
        raise Http404("Not found") from None


def _checkin(session: Session, pk: int) -> CheckinRequest:
    found = session.checkin_requests.filter(pk=pk).select_related("participant").first()
    if found is None:
        raise Http404("Not found")
    return found


@require_POST
@access.staff_page()
def create_link(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    session = access.get_for(viewer, Session, pk, write=True)
    participant = _participant(session, request.POST.get("participant"))
    issued = services.issue_link(session, participant, by=viewer.user)
    if issued is None:
        messages.info(request, _("Nothing is due for this person in this session."))
        return redirect("care:session", pk=session.pk)
    checkin, token = issued
    url = services.link_url(token)
    response = render(
        request,
        "checkins/link.html",
        {
            "session": session,
            "episode": session.episode,
            "checkin": checkin,
            "participant": participant,
            "url": url,
            "token": token,
            "qr": _qr_data_uri(url),
            "email": services.recipient_email(participant),
            "instruments": checkin.instruments(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@access.staff_page()
def send_email(request: access.StaffRequest, pk: int, request_pk: int) -> HttpResponse:
    viewer = request.viewer
    session = access.get_for(viewer, Session, pk, write=True)
    checkin = _checkin(session, request_pk)
    token = str(request.POST.get("token", ""))
    if not checkin.matches(token) or not checkin.is_active:
        messages.error(request, _("That link can no longer be sent; create a new one."))
    elif not services.recipient_email(checkin.participant):
        messages.error(request, _("There is no email address for this person."))
    else:
        # The worker sends it: a slow or failing mail server never holds up this page, and a
        # failure is retried (and shown on the admin's Jobs page).
        checkin_jobs.queue_link_email(checkin, token, asked_by=viewer.user)
        messages.success(
            request,
            _("The check-in link is on its way by email; the session page shows when it was sent."),
        )
    return redirect("care:session", pk=session.pk)


@require_POST
@access.staff_page()
def cancel_link(request: access.StaffRequest, pk: int, request_pk: int) -> HttpResponse:
    viewer = request.viewer
    session = access.get_for(viewer, Session, pk, write=True)
    services.cancel(_checkin(session, request_pk))
    messages.success(request, _("Check-in link cancelled."))
    return redirect("care:session", pk=session.pk)


def _own_staff_participant(viewer: access.Viewer, session: Session) -> object:
    for p in session.episode.participants.all():
        if p.user_id == viewer.user.pk and p.left_on is None:
            return p
    raise PermissionDenied("You do not take part in this episode.")


def _not_before_its_day(request: HttpRequest, session: Session) -> HttpResponse:
    """Staff rate a session, or enter its paper forms, from its day on: back to the session."""
    messages.error(
        request,
        _("Session %(n)d is on %(day)s: it can be rated from that day.")
        % {"n": session.number, "day": format_day(timezone.localtime(session.starts_at).date())},
    )
    return redirect("care:session", pk=session.pk)


@access.staff_page()
def rate_session(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    session = access.get_for(viewer, Session, pk, write=request.method == "POST")
    participant = _own_staff_participant(viewer, session)
    if session.is_future_day:
        return _not_before_its_day(request, session)
    instruments = services.open_measures(session, participant)
    if not instruments:
        messages.info(request, _("You have already rated this session."))
        return redirect("care:session", pk=session.pk)
    lang = translation.get_language() or "en"
    form = QuestionnaireForm(instruments, lang, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _save_staff_answers(session, participant, form, channel="self", entered_by=None)
        messages.success(request, _("Your rating is saved."))
        return redirect("care:session", pk=session.pk)
    return render(
        request,
        "checkins/staff_form.html",
        {
            "session": session,
            "episode": session.episode,
            "form": form,
            "paper": False,
            "idempotency_field": IDEMPOTENCY_FIELD,
        },
        status=400 if form.has_errors else 200,
    )


@access.staff_page()
def paper_entry(request: access.StaffRequest, pk: int, participant_pk: int) -> HttpResponse:
    viewer = request.viewer
    session = access.get_for(viewer, Session, pk, write=True)
    participant = _participant(session, participant_pk)
    if participant.user_id == viewer.user.pk:
        return redirect("checkins:rate", pk=session.pk)
    if session.is_future_day:
        return _not_before_its_day(request, session)
    # Anyone taking part may have filled in a paper form: a client, a partner, an interpreter
    # without an account here, a co-therapist; staff enter it and are recorded as entering it.
    instruments = services.open_measures(session, participant)
    if not instruments:
        messages.info(request, _("Nothing is due for this person in this session."))
        return redirect("care:session", pk=session.pk)
    lang = translation.get_language() or "en"
    form = QuestionnaireForm(instruments, lang, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _save_staff_answers(session, participant, form, channel="paper", entered_by=viewer.user)
        messages.success(request, _("Paper form entered."))
        return redirect("care:session", pk=session.pk)
    return render(
        request,
        "checkins/staff_form.html",
        {
            "session": session,
            "episode": session.episode,
            "form": form,
            "paper": True,
            "participant": participant,
            "idempotency_field": IDEMPOTENCY_FIELD,
        },
        status=400 if form.has_errors else 200,
    )


def _save_staff_answers(
    session: Session,
    participant: object,
    form: QuestionnaireForm,
    *,
    channel: str,
    entered_by: object,
) -> None:
    with transaction.atomic():
        for section in form.sections:
            instrument = section.instrument
            services.save_response(
                session=session,
                participant=participant,
                instrument=instrument,
                answers=form.answers[instrument.key],
                idempotency_key=form.idempotency_key,
                channel=channel,
                entered_by=entered_by,
            )
        # Whatever was answered on paper no longer needs the link that asked for it.
        if not services.open_measures(session, participant):
            for checkin in CheckinRequest.objects.filter(
                session=session, participant=participant, state__in=ACTIVE_STATES
            ):
                services.set_state(checkin, CheckinState.CANCELLED)
        services.refresh_insights(session.episode)


@access.staff_page()
def response_fhir(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    response = access.get_for(
        viewer,
        Response.objects.select_related(
            "instrument", "participant__client", "participant__user", "session__episode"
        ),
        pk,
    )
    resource = fhir_export.questionnaire_response(response)
    services.record_response_exported(response, "FHIR QuestionnaireResponse")
    result = JsonResponse(resource, content_type="application/fhir+json")
    result["Content-Disposition"] = f'attachment; filename="questionnaire-response-{pk}.json"'
    return result


# --- plans -------------------------------------------------------------------------------------


PLAN_KEY_RE = re.compile(r"[a-z0-9_.-]{1,80}")


def _plan_action(request: HttpRequest, model: type, owner: dict, rows: list) -> HttpResponse | None:
    """Handle add / remove on a plan; returns a redirect when done, None to re-render."""
    action = request.POST.get("action")
    if action == "remove":
        found = _plan_row(model, owner, str(request.POST.get("entry", "")))
        if found is not None:
            found.delete()
        return redirect(request.path)
    return None


def _plan_row(model: type, owner: dict, entry: str) -> object:
    """A plan row by its id, or by 'instrument:respondent' for a row that was shown before the
    plan had rows of its own (pages only read the plan; see services.episode_plan)."""
    pk = parse_id(entry)
    if pk is not None:
        return model.objects.filter(pk=pk, **owner).first()
    key, _sep, respondent = entry.partition(":")
    if not (PLAN_KEY_RE.fullmatch(key) and PLAN_KEY_RE.fullmatch(respondent)):
        return None  # junk (PostgreSQL refuses NUL in a query, so never pass it on)
    return model.objects.filter(instrument_key=key, respondent=respondent, **owner).first()


@access.staff_page()
def episode_plan(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=request.method == "POST")
    rows = services.episode_plan(episode)
    if request.method == "POST" and rows and rows[0].pk is None:
        # A change: only now does the episode get rows of its own, copied from the clinic's.
        rows = services.copy_clinic_plan(episode)
    settings_row = services.episode_settings(episode)
    form = PlanEntryForm()
    share_form = ShareProgressForm(instance=settings_row)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "share":
            share_form = ShareProgressForm(request.POST, instance=settings_row)
            if share_form.is_valid():
                share_form.save()
                return redirect(request.path)
        elif action == "add":
            form = PlanEntryForm(request.POST)
            if form.is_valid():
                _add_entry(EpisodePlanEntry, {"episode": episode}, form)
                if not form.errors:
                    return redirect(request.path)
        elif action == "reset":
            with transaction.atomic():
                for row in rows:
                    row.delete()
                services.copy_clinic_plan(episode)
            return redirect(request.path)
        else:
            done = _plan_action(request, EpisodePlanEntry, {"episode": episode}, rows)
            if done:
                return done
    return render(
        request,
        "checkins/plan.html",
        {
            "episode": episode,
            "rows": rows,
            "form": form,
            "share_form": share_form,
            "can_change": access.may_change(viewer, episode),
        },
        status=400 if form.errors else 200,
    )


@access.staff_page(Role.ADMIN)
def clinic_plan(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    if request.method == "POST":
        rows = services.clinic_plan(viewer.organization)  # stores the default on first change
    else:
        rows = services.effective_clinic_plan(viewer.organization)
    form = PlanEntryForm()
    if request.method == "POST":
        owner = {"organization": viewer.organization}
        if request.POST.get("action") == "add":
            form = PlanEntryForm(request.POST)
            if form.is_valid():
                _add_entry(ClinicPlanEntry, owner, form)
                if not form.errors:
                    return redirect(request.path)
        else:
            done = _plan_action(request, ClinicPlanEntry, owner, rows)
            if done:
                return done
    return render(
        request,
        "checkins/plan.html",
        {"episode": None, "rows": rows, "form": form, "can_change": True},
        status=400 if form.errors else 200,
    )


def _add_entry(model: type, owner: dict, form: PlanEntryForm) -> None:
    data = {name: form.cleaned_data[name] for name in services.PLAN_FIELDS}
    if model.objects.filter(
        instrument_key=data["instrument_key"], respondent=data["respondent"], **owner
    ).exists():
        form.add_error("instrument_key", _("This instrument is already in the plan for them."))
        return
    model.objects.create(**owner, **data)

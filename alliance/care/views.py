"""Client, episode and session pages. Thin: access check, form, model method, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.audit import trail
from alliance.converters import parse_id

from . import panels
from .forms import (
    CLIENT_ROLE_FOR_FORMAT,
    AddClientParticipantForm,
    AddStaffParticipantForm,
    ClientForm,
    EpisodeDetailsForm,
    EpisodeForm,
    SessionForm,
    StatusChangeForm,
)
from .models import CareEpisode, EpisodeFormat, EpisodeStatus, Participant
from .signals import episode_viewed

RECENT_SESSIONS = 6


def _viewer(request: HttpRequest) -> access.Viewer:
    return request.viewer  # type: ignore[attr-defined,no-any-return]


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    clients = access.visible_clients(viewer)
    # NUL is not a character PostgreSQL can compare; nobody types it on purpose.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    if query:
        clients = clients.filter(display_name__icontains=query) | clients.filter(
            code__icontains=query
        )
    return render(
        request,
        "care/client_list.html",
        {"clients": clients.order_by("display_name")[:500], "query": query},
    )


@login_required
def client_create(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    access.require_role(viewer, Role.THERAPIST)
    form = ClientForm(request.POST or None, organization=viewer.organization)
    if request.method == "POST" and form.is_valid():
        client = form.save(commit=False)
        client.organization = viewer.organization
        client.created_by = viewer.user
        try:
            with transaction.atomic():
                client.save()
                trail.record_create(client)
        except IntegrityError:
            form.add_error("code", _("Another client in this clinic already has this code."))
        else:
            messages.success(request, _("Client added."))
            return redirect("care:client", pk=client.pk)
    return render(request, "care/client_form.html", {"form": form, "creating": True})


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    client = access.get_client_for_user(viewer, pk)
    trail.record_view(client)
    episodes = (
        access.visible_episodes(viewer)
        .filter(participants__client=client)
        .prefetch_related("participants__client", "participants__user", "sessions")
        .distinct()
    )
    can_change = access.can_change_client(viewer, client)
    return render(
        request,
        "care/client_detail.html",
        {
            "client": client,
            "episodes": episodes,
            "can_change": can_change,
            # Export and erasure (alliance.rights): also for an admin who may see clinical data.
            "can_exercise_rights": access.can_exercise_data_rights(viewer, client),
        },
    )


@login_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    client = access.get_client_for_user(viewer, pk, write=True)
    before = trail.snapshot(client)
    form = ClientForm(request.POST or None, instance=client, organization=viewer.organization)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            trail.record_update(client, before)
        messages.success(request, _("Client details saved."))
        return redirect("care:client", pk=client.pk)
    return render(request, "care/client_form.html", {"form": form, "client": client})


@login_required
def episode_create(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    access.require_role(viewer, Role.THERAPIST)
    clients = access.changeable_clients(viewer)
    initial = {}
    client_id = parse_id(request.GET.get("client"))
    if client_id is not None:
        initial["clients"] = clients.filter(pk=client_id)
    form = EpisodeForm(
        request.POST or None,
        initial=initial,
        clients=clients,
        organization=viewer.organization,
        user=viewer.user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            episode = type(form.instance).open_for(
                viewer.organization,
                therapist=viewer.user,
                clients=data["clients"],
                client_role=CLIENT_ROLE_FOR_FORMAT[EpisodeFormat(data["format"])],
                co_therapists=data["co_therapists"],
                interpreters=data["interpreters"],
                format=data["format"],
                title=data["title"],
                started_on=data["started_on"],
            )
        messages.success(request, _("Care episode opened."))
        return redirect("care:episode", pk=episode.pk)
    return render(request, "care/episode_form.html", {"form": form})


def _episode_context(viewer: access.Viewer, episode: CareEpisode, **forms: object) -> dict:
    can_change = access.can_change_episode(viewer, episode)
    sessions = list(episode.sessions.order_by("number"))
    context: dict[str, object] = {
        "episode": episode,
        "sessions": sessions,
        # The latest few sessions in view; the rest one click away (a year of weekly sessions
        # would otherwise be most of the page on a phone).
        "recent_sessions": sessions[-RECENT_SESSIONS:],
        "older_sessions": sessions[:-RECENT_SESSIONS],
        "can_change": can_change,
        "session_form": SessionForm(),
    }
    context.update(forms)
    return context


def _settings_context(viewer: access.Viewer, episode: CareEpisode, **forms: object) -> dict:
    context: dict[str, object] = {
        "episode": episode,
        "status_log": episode.status_log.select_related("changed_by"),
        "details_form": EpisodeDetailsForm(instance=episode),
        "status_form": StatusChangeForm(),
        "add_client_form": AddClientParticipantForm(
            clients=access.changeable_clients(viewer).exclude(participations__episode=episode)
        ),
        "add_staff_form": AddStaffParticipantForm(organization=viewer.organization),
    }
    context.update(forms)
    return context


@login_required
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    episode = access.get_episode_for_user(viewer, pk)
    trail.record_view(episode)
    notes: dict[str, object] = {}  # what the receivers note for the page's panels
    episode_viewed.send(sender=CareEpisode, viewer=viewer, episode=episode, notes=notes)
    return render_episode(request, viewer, episode, notes=notes)


def render_episode(
    request: HttpRequest,
    viewer: access.Viewer,
    episode: CareEpisode,
    status: int = 200,
    alert_errors: dict | None = None,
    alert_form_data: dict | None = None,
    notes: dict[str, object] | None = None,
    **forms: object,
) -> HttpResponse:
    """The episode page around today: a summary of the latest session and what is due, the
    open alerts, one chart area, the plan and the sessions, drawn from the panels the apps above
    the clinical record register (care.panels). Editing lives on its settings page."""
    context = _episode_context(viewer, episode, **forms)
    options = {"alert_errors": alert_errors, "alert_form_data": alert_form_data, **(notes or {})}
    context.update(panels.draw(panels.Page(panels.EPISODE, request, viewer, episode, options)))
    return render(request, "care/episode_detail.html", context, status=status)


@login_required
def episode_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Dates, title, status and who takes part: changed less often than anything on the
    episode page, so they have a page of their own."""
    viewer = _viewer(request)
    episode = access.get_episode_for_user(viewer, pk, write=True)
    trail.record_view(episode)
    return _render_settings(request, viewer, episode)


def _render_settings(
    request: HttpRequest,
    viewer: access.Viewer,
    episode: CareEpisode,
    status: int = 200,
    **forms: object,
) -> HttpResponse:
    context = _settings_context(viewer, episode, **forms)
    return render(request, "care/episode_settings.html", context, status=status)


@login_required
@require_POST
def episode_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    episode = access.get_episode_for_user(viewer, pk, write=True)
    before = trail.snapshot(episode)
    form = EpisodeDetailsForm(request.POST, instance=episode)
    if form.is_valid():
        with transaction.atomic():
            form.save()
            trail.record_update(episode, before)
        messages.success(request, _("Episode details saved."))
        return redirect("care:episode_settings", pk=episode.pk)
    return _render_settings(request, viewer, episode, status=400, details_form=form)


@login_required
@require_POST
def episode_status(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    viewer = _viewer(request)
    episode = access.get_episode_for_user(viewer, pk, write=True)
    form = StatusChangeForm(request.POST)
    if status not in EpisodeStatus.values or not form.is_valid():
        return _render_settings(request, viewer, episode, status=400, status_form=form)
    if episode.status != status:
        with transaction.atomic():
            episode.set_status(status, by=viewer.user, reason=form.cleaned_data["reason"])
        messages.success(
            request, _("Episode closed.") if status == "closed" else _("Episode reopened.")
        )
    return redirect("care:episode", pk=episode.pk)


@login_required
@require_POST
def participant_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    viewer = _viewer(request)
    episode = access.get_episode_for_user(viewer, pk, write=True)
    if kind == "client":
        clients = access.changeable_clients(viewer).exclude(participations__episode=episode)
        form = AddClientParticipantForm(request.POST, clients=clients)
    else:
        form = AddStaffParticipantForm(request.POST, organization=viewer.organization)
    if not form.is_valid():
        key = "add_client_form" if kind == "client" else "add_staff_form"
        return _render_settings(request, viewer, episode, status=400, **{key: form})
    data = form.cleaned_data
    fields = (
        {"client": data["client"], "role": CLIENT_ROLE_FOR_FORMAT[EpisodeFormat(episode.format)]}
        if kind == "client"
        else {"user": data["user"], "role": data["role"]}
    )
    try:
        with transaction.atomic():
            participant = Participant.objects.create(episode=episode, **fields)
            trail.record_create(participant)
    except IntegrityError:
        messages.error(request, _("That person already takes part in this episode."))
    return redirect("care:episode_settings", pk=episode.pk)


@login_required
@require_POST
def participant_leave(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    viewer = _viewer(request)
    episode = access.get_episode_for_user(viewer, pk, write=True)
    participant = episode.participants.filter(pk=participant_pk).first()
    if participant is None:
        return _render_settings(request, viewer, episode, status=404)
    if participant.user_id == viewer.user.pk:
        messages.error(request, _("You cannot remove yourself; ask a colleague or close it."))
    elif participant.left_on is None:
        before = trail.snapshot(participant)
        participant.left_on = timezone.localdate()
        with transaction.atomic():
            participant.save(update_fields=["left_on"])
            trail.record_update(participant, before)
    return redirect("care:episode_settings", pk=episode.pk)


@login_required
@require_POST
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    episode = access.get_episode_for_user(viewer, pk, write=True)
    form = SessionForm(request.POST)
    if not form.is_valid():
        return _episode_with_errors(request, viewer, episode, session_form=form)
    with transaction.atomic():
        # Lock the episode row so two therapists adding a session at once get distinct numbers.
        type(episode).objects.select_for_update().get(pk=episode.pk)
        session = form.save(commit=False)
        session.episode = episode
        session.number = episode.next_session_number()
        session.save()
        trail.record_create(session)
        episode.renumber_sessions()
        session.refresh_from_db(fields=["number"])
    messages.success(request, _("Session %(n)d added.") % {"n": session.number})
    return redirect("care:session", pk=session.pk)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    session = access.get_session_for_user(viewer, pk)
    trail.record_view(session)
    can_change = access.can_change_episode(viewer, session.episode)
    form = SessionForm(instance=session)
    if request.method == "POST":
        if not can_change:
            access.get_session_for_user(viewer, pk, write=True)  # raises 403
        before = trail.snapshot(session)
        form = SessionForm(request.POST, instance=session)
        if form.is_valid():
            with transaction.atomic():
                type(session.episode).objects.select_for_update().get(pk=session.episode_id)
                form.save()
                trail.record_update(session, before)
                session.episode.renumber_sessions()
            messages.success(request, _("Session saved."))
            return redirect("care:session", pk=session.pk)
    return render(
        request,
        "care/session_detail.html",
        {
            "session": session,
            "episode": session.episode,
            "form": form,
            "can_change": can_change,
            **panels.draw(panels.Page(panels.SESSION, request, viewer, session)),
        },
        status=400 if form.errors else 200,
    )


def _episode_with_errors(
    request: HttpRequest,
    viewer: access.Viewer,
    episode: CareEpisode,
    status: int = 400,
    **forms: object,
) -> HttpResponse:
    """Re-render the episode page with the failing form, keeping what the person typed."""
    return render_episode(request, viewer, episode, status=status, **forms)

"""Client, episode and session pages. Thin: access check, form, model method, render."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.converters import parse_id

from . import panels, services
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
from .models import CareEpisode, Client, EpisodeFormat, EpisodeStatus, Participant, Session
from .signals import episode_viewed

RECENT_SESSIONS = 6


@access.staff_page()
def client_list(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    clients = Client.objects.visible_to(viewer)
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


@access.staff_page(Role.THERAPIST)
def client_create(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    form = ClientForm(request.POST or None, organization=viewer.organization)
    if request.method == "POST" and form.is_valid():
        client = form.save(commit=False)
        client.organization = viewer.organization
        client.created_by = viewer.user
        try:
            with transaction.atomic():
                client.save()
        except IntegrityError:
            form.add_error("code", _("Another client in this clinic already has this code."))
        else:
            messages.success(request, _("Client added."))
            return redirect("care:client", pk=client.pk)
    return render(request, "care/client_form.html", {"form": form, "creating": True})


@access.staff_page()
def client_detail(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    client = access.get_for(viewer, Client, pk)
    services.record_viewed(client)
    episodes = (
        CareEpisode.objects.visible_to(viewer)
        .filter(participants__client=client)
        .prefetch_related("participants__client", "participants__user", "sessions")
        .distinct()
    )
    can_change = access.may_change(viewer, client)
    return render(
        request,
        "care/client_detail.html",
        {
            "client": client,
            "episodes": episodes,
            "can_change": can_change,
            # Export and erasure (alliance.rights): also for an admin who may see clinical data.
            "can_exercise_rights": Client.objects.can_exercise_data_rights(viewer, client),
        },
    )


@access.staff_page()
def client_edit(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    client = access.get_for(viewer, Client, pk, write=True)
    form = ClientForm(request.POST or None, instance=client, organization=viewer.organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Client details saved."))
        return redirect("care:client", pk=client.pk)
    return render(request, "care/client_form.html", {"form": form, "client": client})


@access.staff_page(Role.THERAPIST)
def episode_create(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    clients = Client.objects.visible_to(viewer, write=True)
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


def _episode_context(page: panels.Page, **forms: object) -> dict:
    sessions = page.sessions
    context: dict[str, object] = {
        "episode": page.subject,
        "sessions": sessions,
        # The latest few sessions in view; the rest one click away (a year of weekly sessions
        # would otherwise be most of the page on a phone).
        "recent_sessions": sessions[-RECENT_SESSIONS:],
        "older_sessions": sessions[:-RECENT_SESSIONS],
        "can_change": page.can_change,
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
            clients=Client.objects.visible_to(viewer, write=True).exclude(
                participations__episode=episode
            )
        ),
        "add_staff_form": AddStaffParticipantForm(organization=viewer.organization),
    }
    context.update(forms)
    return context


@access.staff_page()
def episode_detail(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk)
    services.record_viewed(episode)
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
    options = {"alert_errors": alert_errors, "alert_form_data": alert_form_data, **(notes or {})}
    page = panels.Page(panels.EPISODE, request, viewer, episode, options)
    context = _episode_context(page, **forms)
    context.update(panels.draw(page))
    return render(request, "care/episode_detail.html", context, status=status)


@access.staff_page()
def episode_settings(request: access.StaffRequest, pk: int) -> HttpResponse:
    """Dates, title, status and who takes part: changed less often than anything on the
    episode page, so they have a page of their own."""
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=True)
    services.record_viewed(episode)
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


@require_POST
@access.staff_page()
def episode_edit(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=True)
    form = EpisodeDetailsForm(request.POST, instance=episode)
    if form.is_valid():
        form.save()
        messages.success(request, _("Episode details saved."))
        return redirect("care:episode_settings", pk=episode.pk)
    return _render_settings(request, viewer, episode, status=400, details_form=form)


@require_POST
@access.staff_page()
def episode_status(request: access.StaffRequest, pk: int, status: str) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=True)
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


@require_POST
@access.staff_page()
def participant_add(request: access.StaffRequest, pk: int, kind: str) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=True)
    if kind == "client":
        clients = Client.objects.visible_to(viewer, write=True).exclude(
            participations__episode=episode
        )
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
            Participant.objects.create(episode=episode, **fields)
    except IntegrityError:
        messages.error(request, _("That person already takes part in this episode."))
    return redirect("care:episode_settings", pk=episode.pk)


@require_POST
@access.staff_page()
def participant_leave(request: access.StaffRequest, pk: int, participant_pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=True)
    participant = episode.participants.filter(pk=participant_pk).first()
    if participant is None:
        return _render_settings(request, viewer, episode, status=404)
    if participant.user_id == viewer.user.pk:
        messages.error(request, _("You cannot remove yourself; ask a colleague or close it."))
    elif participant.left_on is None:
        participant.left_on = timezone.localdate()
        participant.save(update_fields=["left_on"])
    return redirect("care:episode_settings", pk=episode.pk)


@require_POST
@access.staff_page()
def session_create(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=True)
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
        episode.renumber_sessions()
        session.refresh_from_db(fields=["number"])
    messages.success(request, _("Session %(n)d added.") % {"n": session.number})
    return redirect("care:session", pk=session.pk)


@access.staff_page()
def session_detail(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    session = access.get_for(viewer, Session, pk)
    services.record_viewed(session)
    can_change = access.may_change(viewer, session.episode)
    form = SessionForm(instance=session)
    if request.method == "POST":
        if not can_change:
            access.get_for(viewer, Session, pk, write=True)  # raises 403
        form = SessionForm(request.POST, instance=session)
        if form.is_valid():
            with transaction.atomic():
                type(session.episode).objects.select_for_update().get(pk=session.episode_id)
                form.save()
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

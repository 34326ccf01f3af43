"""Transcript pages: upload and map speakers, the analysis beside the ratings, sharing and
deleting it, the episode's language beside its ratings, and the organization's setting. Thin:
access check, form, service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.care.models import CareEpisode
from alliance.growth.models import own_practice_period

from . import report, rules, services, transcripts
from .forms import LanguageSettingsForm, SpeakerMapForm, UploadForm, pending_payload
from .models import LanguageSettings, SessionTranscript


@access.staff_page()
def upload(request: access.StaffRequest, pk: int) -> HttpResponse:
    """Step 1 takes the file and asks who is who; step 2 analyses and shows the result. Nothing
    is stored between the steps: the parsed turns travel signed in the form."""
    viewer = request.viewer
    session = services.get_session_for_upload(viewer, pk)
    keep = LanguageSettings.for_organization(session.episode.organization).keep_text
    context: dict[str, Any] = {"session": session, "episode": session.episode, "keep": keep}
    if request.method == "POST" and "payload" in request.POST:
        return _analyse(request, viewer, session, context)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        turns = form.cleaned_data["file"]
        speakers = transcripts.speakers_in(turns)
        mapping = SpeakerMapForm(
            initial={"payload": pending_payload(turns, form.file_format, session.pk)},
            session_pk=session.pk,
            speakers=speakers,
        )
        context.update(mapping=mapping, turn_count=len(turns), preview=_preview(turns))
        return render(request, "language/map.html", context)
    context["form"] = form
    return render(request, "language/upload.html", context, status=400 if form.errors else 200)


def _preview(turns: list[Any]) -> list[Any]:
    # A few opening lines help tell "Speaker 1" from "Speaker 2"; shown, never stored.
    return turns[:6]


def _analyse(
    request: HttpRequest, viewer: access.Viewer, session: Any, context: dict[str, Any]
) -> HttpResponse:
    mapping = SpeakerMapForm(request.POST, session_pk=session.pk)
    if not mapping.is_valid():
        if mapping.pending is None:
            context["form"] = UploadForm()
            context["expired"] = True
            return render(request, "language/upload.html", context, status=400)
        context.update(mapping=mapping, turn_count=len(mapping.turns))
        context["preview"] = _preview(mapping.turns)
        return render(request, "language/map.html", context, status=400)
    language = LanguageSettings.for_organization(session.episode.organization).rules_language
    turns = [(t.speaker, t.text) for t in mapping.turns]
    analysis = services.analyse(turns, mapping.roles(), language)
    transcript = services.store(
        session, analysis, by=viewer.user, file_format=mapping.pending["f"][:10]
    )
    messages.success(
        request,
        _("Transcript analysed. The text was kept encrypted.")
        if transcript.keeps_text
        else _("Transcript analysed. The text was discarded; the counts and labels are kept."),
    )
    if context["keep"] and not transcript.keeps_text:
        messages.warning(
            request,
            _(
                "Your organization keeps text, but this server has no transcript key, "
                "so it was not kept."
            ),
        )
    texts = [text for _role, text in analysis.turns]
    return _render_analysis(request, viewer, transcript, texts, analysis.speakers, fresh=True)


@access.staff_page()
def detail(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    transcript = services.get_transcript_for_user(viewer, pk)
    services.record_viewed(transcript)
    kept = services.kept_turns(transcript)
    texts = [text for _role, text in kept] if kept else None
    return _render_analysis(request, viewer, transcript, texts, None, fresh=False)


def _render_analysis(
    request: HttpRequest,
    viewer: access.Viewer,
    transcript: SessionTranscript,
    texts: list[str] | None,
    speakers: list[str] | None,
    *,
    fresh: bool,
) -> HttpResponse:
    session = transcript.session
    return render(
        request,
        "language/analysis.html",
        {
            "session": session,
            "episode": session.episode,
            "transcript": transcript,
            "s": transcript.summary,
            "lines": report.lines(transcript.labels, transcript.cues, texts, speakers),
            "has_text": texts is not None,
            "fresh": fresh,
            "moves": report.cue_groups(transcript.cues, rules.MOVES),
            "ruptures": report.cue_groups(transcript.cues, rules.RUPTURES),
            "ratings": report.session_ratings(session),
            "is_own": access.may_change(viewer, session.episode),
        },
    )


@require_POST
@access.staff_page()
def share(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    session = services.get_session_for_upload(viewer, pk)
    transcript = services.get_transcript_for_user(viewer, session.pk)
    transcript.shared_with_supervisors = request.POST.get("share") == "1"
    transcript.save(update_fields=["shared_with_supervisors"])
    messages.success(
        request,
        _("Shared with your supervisor.")
        if transcript.shared_with_supervisors
        else _("No longer shared."),
    )
    return redirect("language:detail", pk=session.pk)


@require_POST
@access.staff_page()
def delete(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    session = services.get_session_for_upload(viewer, pk)
    transcript = services.get_transcript_for_user(viewer, session.pk)
    transcript.delete()
    messages.success(request, _("The transcript analysis of this session was deleted."))
    return redirect("care:session", pk=session.pk)


@access.staff_page()
def episode(request: access.StaffRequest, pk: int) -> HttpResponse:
    """The episode's analysed sessions beside their ratings, for noticing one's own patterns."""
    viewer = request.viewer
    care_episode = access.get_for(viewer, CareEpisode, pk)
    found = list(
        services.visible_transcripts(viewer)
        .filter(session__episode=care_episode)
        .select_related("session__episode")
    )
    services.record_viewed(care_episode)
    return render(
        request,
        "language/episode.html",
        {"episode": care_episode, "rows": report.episode_rows(found)},
    )


@access.staff_page(Role.THERAPIST)
def practice(request: access.StaffRequest, pk: int) -> HttpResponse:
    """A practice period of the therapist's own: their language and their clients' ratings in
    the sessions of the period and of as many days before it."""
    viewer = request.viewer
    period = own_practice_period(viewer, pk)
    before_from = period.starts_on - dt.timedelta(days=period.days)
    own = (
        SessionTranscript.objects.filter(
            session__episode__in=CareEpisode.objects.visible_to(viewer, write=True)
        )
        .filter(session__starts_at__date__gte=before_from)
        .filter(session__starts_at__date__lte=period.ends_on)
        .select_related("session__episode")
    )
    rows = report.episode_rows(list(own))
    during = [r for r in rows if r["session"].starts_at.date() >= period.starts_on]
    before = [r for r in rows if r["session"].starts_at.date() < period.starts_on]
    services.record_practice_viewed(period, viewer.organization)
    return render(
        request,
        "language/practice.html",
        {
            "period": period,
            "before_from": before_from,
            "periods": [
                (_("Before"), report.period_summary(before)),
                (_("During practice"), report.period_summary(during)),
            ],
        },
    )


@access.staff_page(Role.ADMIN)
def organization_settings(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    current = LanguageSettings.for_organization(viewer.organization)
    form = LanguageSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Transcript settings saved."))
        return redirect("language:settings")
    return render(
        request,
        "language/settings.html",
        {"form": form, "has_key": bool(services.cipher())},
        status=400 if form.errors else 200,
    )

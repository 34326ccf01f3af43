"""Staff pages for links that go out by themselves: per episode (automatic sending, the pulse's
interval) and per client (channel, consent, quiet hours), and the organization's reminder time.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.care.models import CareEpisode
from alliance.converters import parse_id

from . import sending, services
from .forms import ContactPreferencesForm, EpisodeSendingForm, SendingSettingsForm


def _save(form: Any, row: Any, **extra: Any) -> None:
    """Save a ModelForm's row with `extra` values set too (the row records its own change)."""
    saved = form.save(commit=False)
    for name, value in extra.items():
        setattr(saved, name, value)
    saved.save()


@access.staff_page()
def episode_sending(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=request.method == "POST")
    settings_row = services.episode_settings(episode)
    clients = [p.client for p in episode.client_participants() if p.left_on is None]
    episode_form = EpisodeSendingForm(instance=settings_row)
    forms = {
        c.pk: ContactPreferencesForm(
            instance=sending.contact_preferences(c), client=c, prefix=f"c{c.pk}"
        )
        for c in clients
    }
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "episode":
            episode_form = EpisodeSendingForm(request.POST, instance=settings_row)
            if episode_form.is_valid():
                _save(episode_form, settings_row)
                messages.success(request, _("Sending settings saved."))
                return redirect(request.path)
        else:
            client_pk = parse_id(request.POST.get("client"))
            client = next((c for c in clients if c.pk == client_pk), None)
            if client is None:
                messages.error(request, _("That client does not take part in this episode."))
                return redirect(request.path)
            forms[client.pk] = done = _client_form(request, client)
            if done.is_valid():
                messages.success(request, _("Saved for %(name)s.") % {"name": client.display_name})
                return redirect(request.path)
        status = 400
    return render(
        request,
        "checkins/sending.html",
        {
            "episode": episode,
            "episode_form": episode_form,
            "client_forms": [(c, forms[c.pk]) for c in clients],
            "can_change": access.may_change(viewer, episode),
            "zone": sending.organization_zone(episode.organization),
            "reminder_hours": sending.sending_settings(episode.organization).reminder_hours,
        },
        status=status,
    )


def _client_form(request: access.StaffRequest, client: Any) -> ContactPreferencesForm:
    row = sending.contact_preferences(client)
    had_consent = row.consent
    form = ContactPreferencesForm(request.POST, instance=row, client=client, prefix=f"c{client.pk}")
    if form.is_valid():
        extra = {}
        if form.cleaned_data["consent"] != had_consent:
            # When, and by whom, the client's agreement (or its withdrawal) was written down.
            extra = {"consent_noted_at": timezone.now(), "consent_noted_by": request.viewer.user}
        _save(form, row, **extra)
    return form


@access.staff_page(Role.ADMIN)
def organization_sending(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    row = sending.sending_settings(viewer.organization)
    form = SendingSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        _save(form, row)
        messages.success(request, _("Sending settings saved."))
        return redirect(request.path)
    return render(
        request,
        "checkins/org_sending.html",
        {"form": form},
        status=400 if form.errors else 200,
    )

"""The notification list, each person's email choices and the admin's rules for risk answers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from alliance.accounts import access
from alliance.accounts.models import Role

from . import listing, services
from .forms import PolicyForm, PreferenceForm


@access.staff_page(Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)
def notification_list(request: access.StaffRequest) -> HttpResponse:
    """The newest notifications; opening the list is seeing them, so they are marked read after
    the page has shown which were new."""
    viewer = request.viewer
    lines = listing.lines_for(viewer)
    services.mark_read(viewer.user, viewer.organization.pk)  # type: ignore[union-attr]
    return render(
        request,
        "notifications/list.html",
        {"lines": lines, "new": sum(1 for line in lines if line.unread)},
    )


@access.staff_page(Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)
def preferences(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    org = viewer.organization.pk  # type: ignore[union-attr]
    current = services.preference_for(viewer.user, org)
    required = services.policy_for(org).require_risk_email
    form = PreferenceForm(
        request.POST if request.method == "POST" else None,
        instance=current,
        required_by_clinic=required,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "required": required},
        status=400 if form.errors else 200,
    )


@access.staff_page(Role.ADMIN)
def policy(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    current = services.policy_for(viewer.organization.pk)
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        instance=current,
        organization=viewer.organization,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Settings saved."))
        return redirect("notifications:policy")
    return render(
        request,
        "notifications/policy.html",
        {"form": form},
        status=400 if form.errors else 200,
    )

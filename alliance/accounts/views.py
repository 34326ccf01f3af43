"""The organization's own admin pages: members, roles, supervision links and settings."""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.converters import parse_id

from . import access, services
from .forms import (
    AddMemberForm,
    AddRoleForm,
    ClientSafetyForm,
    OrganizationSettingsForm,
    SupervisionForm,
)
from .middleware import SESSION_KEY
from .models import CrisisInformation, Invitation, Membership, Role, Supervision, User


@require_POST
@access.staff_page()
def switch_organization(request: access.StaffRequest) -> HttpResponse:
    chosen = parse_id(request.POST.get("organization"))
    if (
        chosen is None
        or not Membership.objects.filter(user=request.user, organization_id=chosen).exists()
    ):
        raise Http404("Not found")
    request.session[SESSION_KEY] = chosen
    return redirect("dashboard:home")


@reauthentication_required(allow_get=True)
@access.staff_page(Role.ADMIN)
def members(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    form = AddMemberForm(request.POST or None, organization=viewer.organization)
    if request.method == "POST" and form.is_valid():
        _add_member(viewer, form.cleaned_data)
        messages.success(
            request,
            _(
                "Added. Someone who already had an Alliance account is asked to accept when they "
                "next sign in."
            ),
        )
        return redirect("accounts:members")
    people = (
        User.objects.filter(memberships__organization=viewer.organization)
        .distinct()
        .prefetch_related("memberships")
    )
    rows = [
        (
            person,
            [m for m in person.memberships.all() if m.organization_id == viewer.organization.pk],
        )
        for person in people
    ]
    return render(
        request,
        "accounts/members.html",
        {
            "rows": rows,
            "form": form,
            "role_form": AddRoleForm(),
            "supervisions": Supervision.objects.filter(
                organization=viewer.organization
            ).select_related("supervisor", "therapist"),
            "supervision_form": SupervisionForm(organization=viewer.organization),
        },
        status=400 if form.errors else 200,
    )


def _add_member(viewer: access.Viewer, data: dict) -> None:
    """A new person gets an account and the role; an existing account gets an invitation."""
    with transaction.atomic():
        user = User.objects.filter(email=data["email"]).first()
        if (
            user is not None
            and not Membership.objects.filter(user=user, organization=viewer.organization).exists()
        ):
            Invitation.objects.create(
                organization=viewer.organization,
                email=user.email,
                role=data["role"],
                invited_by=viewer.user,
            )
            return
        if user is None:
            user = services.create_account(
                data["email"],
                data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        Membership.objects.create(user=user, organization=viewer.organization, role=data["role"])


@require_POST
@access.staff_page()
def answer_invitation(request: access.StaffRequest, pk: int, answer: str) -> HttpResponse:
    invitation = Invitation.objects.filter(
        pk=pk, email__iexact=request.user.email, decided_at__isnull=True
    ).first()
    if invitation is None or answer not in ("accept", "decline"):
        raise Http404("Not found")
    with transaction.atomic():
        invitation.accepted = answer == "accept"
        invitation.decided_at = timezone.now()
        invitation.save(update_fields=["accepted", "decided_at"])
        if invitation.accepted:
            Membership.objects.get_or_create(
                user=request.user, organization=invitation.organization, role=invitation.role
            )
            request.session[SESSION_KEY] = invitation.organization_id
    return redirect("dashboard:home")


@require_POST
@reauthentication_required
@access.staff_page(Role.ADMIN)
def add_role(request: access.StaffRequest, user_pk: int) -> HttpResponse:
    viewer = request.viewer
    person = access.get_in(access.members(viewer), user_pk)
    form = AddRoleForm(request.POST)
    if form.is_valid():
        Membership.objects.get_or_create(
            user=person, organization=viewer.organization, role=form.cleaned_data["role"]
        )
    else:
        messages.error(request, _("Choose a role from the list."))
    return redirect("accounts:members")


@require_POST
@reauthentication_required
@access.staff_page(Role.ADMIN)
def remove_role(request: access.StaffRequest, membership_pk: int) -> HttpResponse:
    viewer = request.viewer
    membership = Membership.objects.filter(
        pk=membership_pk, organization=viewer.organization
    ).first()
    if membership is None:
        raise Http404("Not found")
    is_last_admin = (
        membership.role == Role.ADMIN
        and Membership.objects.filter(organization=viewer.organization, role=Role.ADMIN).count()
        == 1
    )
    if is_last_admin:
        messages.error(request, _("The organization needs at least one admin."))
    else:
        membership.delete()
    return redirect("accounts:members")


@require_POST
@reauthentication_required
@access.staff_page(Role.ADMIN)
def add_supervision(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    form = SupervisionForm(request.POST, organization=viewer.organization)
    if form.is_valid():
        Supervision.objects.get_or_create(organization=viewer.organization, **form.cleaned_data)
        messages.success(request, _("Supervision link saved."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("accounts:members")


@require_POST
@reauthentication_required
@access.staff_page(Role.ADMIN)
def remove_supervision(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    link = Supervision.objects.filter(pk=pk, organization=viewer.organization).first()
    if link is None:
        raise Http404("Not found")
    link.delete()
    return redirect("accounts:members")


@reauthentication_required(allow_get=True)
@access.staff_page(Role.ADMIN)
def organization_settings(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    organization = viewer.organization
    form = OrganizationSettingsForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Settings saved."))
        return redirect("accounts:settings")
    return render(
        request, "accounts/settings.html", {"form": form}, status=400 if form.errors else 200
    )


@reauthentication_required(allow_get=True)
@access.staff_page(Role.ADMIN)
def client_safety(request: access.StaffRequest) -> HttpResponse:
    """What clients are told on their pages: when answers are read, and where to turn in a
    crisis, in each language they may choose (docs/checkins.md, "Safety for the client")."""
    viewer = request.viewer
    organization = viewer.organization
    languages = [(code, str(name)) for code, name in settings.LANGUAGES]
    rows = {
        row.language: row for row in CrisisInformation.objects.filter(organization=organization)
    }
    initial: dict[str, object] = {"answers_read": organization.answers_read}
    for code, row in rows.items():
        initial[f"emergency_{code}"] = row.emergency
        initial[f"services_{code}"] = row.services
    form = ClientSafetyForm(request.POST or None, initial=initial, languages=languages)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            _save_client_safety(organization, rows, form.cleaned_data, languages)
        messages.success(request, _("Saved. Clients see it on their next page."))
        return redirect("accounts:client_safety")
    examples = [row for row in rows.values() if row.is_example]
    return render(
        request,
        "accounts/client_safety.html",
        {"form": form, "examples": examples, "languages": languages},
        status=400 if form.errors else 200,
    )


def _save_client_safety(
    organization: Any, rows: dict[str, CrisisInformation], data: dict[str, Any], languages: list
) -> None:
    organization.answers_read = data["answers_read"]
    organization.save(update_fields=["answers_read"])
    for code, _name in languages:
        emergency = data.get(f"emergency_{code}", "").strip()
        services = data.get(f"services_{code}", "").strip()
        row = rows.get(code)
        if not emergency:
            if row is not None:
                row.delete()
            continue
        if row is None:
            CrisisInformation.objects.create(
                organization=organization, language=code, emergency=emergency, services=services
            )
        elif (row.emergency, row.services) != (emergency, services):
            # Changed wording is the clinic's own: it is no longer the demo's example.
            row.emergency, row.services, row.is_example = emergency, services, False
            row.save()

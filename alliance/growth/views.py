"""The growth pages: a therapist's own patterns, practice periods, the supervision view, the
organization view, and the admin's attribute settings. Thin: access check, form, report, render.

Viewing any of these pages reads client data, even when only in aggregate: each view leaves one
audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role, Supervision
from alliance.care import services as care_services
from alliance.care.models import Client
from alliance.converters import parse_id
from alliance.dashboard.models import PageVisit

from . import reports, services, summaries
from .forms import (
    AttributeDefinitionForm,
    ClientAttributesForm,
    GrowthSettingsForm,
    PracticePeriodForm,
    SupervisionNoteForm,
)
from .models import (
    AttributeDefinition,
    ClientAttribute,
    GrowthSettings,
    PracticePeriod,
    SupervisionNote,
    own_practice_period,
)

MONTH_CHOICES = (6, 12, 24, 36)


def _record_page(viewer: access.Viewer, page: str, label: str, about: Any = None) -> None:
    services.record_page_read(viewer.organization, page, label, about)


# ----------------------------------------------------------------------------- my patterns


@access.staff_page(Role.THERAPIST)
def my_patterns(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    return _patterns_page(request, viewer, viewer.user)


@access.staff_page()
def therapist_patterns(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    therapist = access.get_in(access.therapists(viewer), pk)
    return _patterns_page(request, viewer, therapist)


def _patterns_page(request: HttpRequest, viewer: access.Viewer, therapist: Any) -> HttpResponse:
    report = reports.patterns(viewer, therapist)
    _record_page(viewer, "patterns", f"Alliance patterns of {therapist.display_name}", therapist)
    supervisors = Supervision.objects.filter(
        organization=viewer.organization, therapist=therapist
    ).select_related("supervisor")
    return render(
        request,
        "growth/patterns.html",
        {
            "report": report,
            "overall": [(_("All sessions"), report.overall)],
            "calibration_overall": [(_("All sessions both rated"), report.calibration)],
            "therapist": therapist,
            "is_self": therapist.pk == viewer.user.pk,
            "supervisors": [s.supervisor for s in supervisors],
            "notes": SupervisionNote.objects.filter(
                organization=viewer.organization, therapist=therapist
            ).select_related("supervisor"),
        },
    )


# -------------------------------------------------------------------------------- practice


@access.staff_page(Role.THERAPIST)
def practice_list(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    form = PracticePeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            period = PracticePeriod.objects.create(
                organization=viewer.organization,
                therapist=viewer.user,
                skill=data["skill"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        messages.success(request, _("Practice period saved."))
        return redirect("growth:practice", pk=period.pk)
    periods = PracticePeriod.objects.filter(organization=viewer.organization, therapist=viewer.user)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "growth/practice_list.html",
        {"form": form, "periods": periods, "today": timezone.localdate()},
        status=status,
    )


@access.staff_page(Role.THERAPIST)
def practice_detail(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    period = own_practice_period(viewer, pk)
    report = reports.practice_report(viewer, period)
    _record_page(viewer, "practice", f"Practice period: {period.skill}"[:200], period)
    rows = [
        (_("Before (%(days)d days)") % {"days": period.days}, report.before),
        (_("During practice"), report.during),
    ]
    return render(request, "growth/practice_detail.html", {"report": report, "rows": rows})


# ----------------------------------------------------------------------------- supervision


@access.staff_page(Role.SUPERVISOR)
def supervision(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    since = PageVisit.previous_and_record(viewer.user, "supervision")
    return _supervision_page(request, viewer, since=since)


def _supervision_page(
    request: HttpRequest,
    viewer: access.Viewer,
    failed: tuple[int, SupervisionNoteForm] | None = None,
    since: dt.datetime | None = None,
) -> HttpResponse:
    days = reports.rupture_days(viewer.organization)
    # Alphabetical, never ranked: the page supports supervision, it does not compare people.
    rows = reports.supervision_overview(viewer, list(access.supervisees(viewer)), days, since)
    _record_page(viewer, "supervision", "Supervision overview")
    forms = {row.therapist.pk: SupervisionNoteForm() for row in rows}
    if failed:
        forms[failed[0]] = failed[1]
    return render(
        request,
        "growth/supervision.html",
        {
            "rows": [(row, forms[row.therapist.pk]) for row in rows],
            "days": days,
            "since": since,
            "new_checkins": sum(row.news.checkins for row in rows if row.news),
            "new_alerts": sum(row.news.alerts for row in rows if row.news),
        },
        status=400 if failed else 200,
    )


ALERTS_PER_PAGE = 50


@access.staff_page(Role.SUPERVISOR)
def supervisee_alerts(request: access.StaffRequest, pk: int) -> HttpResponse:
    """All of one supervisee's active alerts, most urgent first, a page at a time: the
    supervision page lists the first few of each kind and links here for the rest."""
    viewer = request.viewer
    therapist = access.get_in(access.supervisees(viewer), pk)
    page = Paginator(reports.alerts_page_queryset(viewer, therapist), ALERTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    label = f"Supervision: open alerts of {therapist.display_name}"[:200]
    _record_page(viewer, "supervision_alerts", label, therapist)
    return render(
        request,
        "growth/supervisee_alerts.html",
        {
            "therapist": therapist,
            "page": page,
            "lines": reports.alert_lines(list(page.object_list)),
        },
    )


@require_POST
@access.staff_page(Role.SUPERVISOR)
def supervision_note(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    therapist = access.get_in(access.supervisees(viewer), pk)
    form = SupervisionNoteForm(request.POST)
    if not form.is_valid():
        # Shown again with the message; not a new visit (what was new is still new next time).
        return _supervision_page(request, viewer, failed=(therapist.pk, form))
    SupervisionNote.objects.create(
        organization=viewer.organization,
        supervisor=viewer.user,
        therapist=therapist,
        text=form.cleaned_data["text"],
    )
    messages.success(request, _("Supervision note saved."))
    return redirect("growth:supervision")


# ---------------------------------------------------------------------------- organization


@access.staff_page(Role.ADMIN, Role.RESEARCHER)
def organization(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    months = parse_id(request.GET.get("months"))
    months = months if months in MONTH_CHOICES else 12
    rows = summaries.organization_summary(viewer.organization, months)
    _record_page(viewer, "organization", f"Organization summary, {months} months")
    return render(
        request,
        "growth/organization.html",
        {
            "rows": rows,
            "months": months,
            "month_choices": MONTH_CHOICES,
            "outcomes": [label for _key, label in reports.OUTCOMES],
        },
    )


# -------------------------------------------------------------------------------- settings


@access.staff_page(Role.ADMIN)
def settings_page(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    current = GrowthSettings.objects.filter(organization=viewer.organization).first()
    current = current or GrowthSettings(organization=viewer.organization)
    action = request.POST.get("action", "")
    days_form = GrowthSettingsForm(
        request.POST if action == "days" else None, instance=current, prefix="days"
    )
    new_form = AttributeDefinitionForm(
        request.POST if action == "attribute" else None,
        organization=viewer.organization,
        prefix="new",
    )
    if request.method == "POST":
        saved = _save_settings(days_form, new_form, action)
        if saved:
            messages.success(request, saved)
            return redirect("growth:settings")
    context = {
        "days_form": days_form,
        "new_form": new_form,
        "definitions": AttributeDefinition.objects.filter(organization=viewer.organization),
    }
    return render(
        request,
        "growth/settings.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _save_settings(
    days_form: GrowthSettingsForm, new_form: AttributeDefinitionForm, action: str
) -> str:
    """Saves whichever form was sent; returns the message to show, or '' when nothing was."""
    if action == "days" and days_form.is_valid():
        days_form.save()
        return _("Settings saved.")
    if action == "attribute" and new_form.is_valid():
        new_form.save()
        return _("Attribute added.")
    return ""


@access.staff_page(Role.ADMIN)
def attribute_edit(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    definition = AttributeDefinition.objects.filter(organization=viewer.organization, pk=pk).first()
    if definition is None:
        raise Http404("Not found")
    form = AttributeDefinitionForm(
        request.POST or None, instance=definition, organization=viewer.organization
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Attribute saved."))
        return redirect("growth:settings")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "growth/attribute_form.html", {"form": form, "definition": definition}, status
    )


# --------------------------------------------------------------------- a client's attributes


@access.staff_page()
def client_attributes(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    client = access.get_for(viewer, Client, pk, write=request.method == "POST")
    definitions = list(AttributeDefinition.objects.filter(organization=client.organization))
    rows = ClientAttribute.objects.filter(client=client).select_related("definition", "recorded_by")
    stored = {a.definition_id: a for a in rows}
    in_use = [d for d in definitions if d.active or d.pk in stored]
    form = ClientAttributesForm(
        request.POST or None,
        definitions=in_use,
        current={k: a.value for k, a in stored.items()},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            _save_attributes(client, stored, form.answers(), viewer.user)
        messages.success(request, _("Pattern-review details saved."))
        return redirect("care:client", pk=client.pk)
    if request.method != "POST":
        care_services.record_viewed(client)
    return render(
        request,
        "growth/client_attributes.html",
        {
            "client": client,
            "form": form,
            "stored": list(stored.values()),
            "can_change": access.may_change(viewer, client),
        },
        status=400 if request.method == "POST" else 200,
    )


def _save_attributes(
    client: Any, stored: dict[int, ClientAttribute], answers: dict[int, str], by: Any
) -> None:
    """Create, change or remove one row per attribute (each row records its own change)."""
    for definition_id, value in answers.items():
        row = stored.get(definition_id)
        if row is None and value:
            ClientAttribute.objects.create(
                client=client, definition_id=definition_id, value=value, recorded_by=by
            )
        elif row is not None and not value:
            row.delete()
        elif row is not None and row.value != value:
            row.value, row.recorded_by, row.consented_at = value, by, timezone.now()
            row.save(update_fields=["value", "recorded_by", "consented_at"])

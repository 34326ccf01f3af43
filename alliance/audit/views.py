from __future__ import annotations

import datetime as dt

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.date_inputs import ClinicDateField

from . import privacy
from .models import Action, AuditEvent


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=254, label=_("Person (email)"))
    action = forms.ChoiceField(
        required=False, choices=[("", _("Any action")), *Action.choices], label=_("Action")
    )
    client = forms.CharField(required=False, max_length=64, label=_("Client code"))
    object_type = forms.CharField(required=False, max_length=60, label=_("Kind of record"))
    since = ClinicDateField(required=False, label=_("From"))
    until = ClinicDateField(required=False, label=_("To"))

    def filter(self, events):
        data = self.cleaned_data
        if data.get("actor"):
            events = events.filter(actor_label__icontains=data["actor"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("client"):
            events = events.filter(client_code__icontains=data["client"])
        if data.get("object_type"):
            events = events.filter(object_type__icontains=data["object_type"])
        if data.get("since"):
            events = events.filter(at__date__gte=data["since"])
        if data.get("until"):
            events = events.filter(at__date__lte=data["until"])
        return events


@access.staff_page(Role.ADMIN)
def audit_list(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    events = privacy.visible_to(
        AuditEvent.objects.filter(organization=viewer.organization), viewer.user
    ).select_related("actor")
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": dt.date.today(),
            # Names, contact details and before/after values are clinical data: an admin sees
            # them here only where the organization lets admins read clinical data.
            "show_content": viewer.sees_clinical_data_as_admin,
        },
    )

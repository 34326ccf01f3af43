"""The admin's Integrations pages (API tokens, webhooks and their deliveries) and the research
export page (admins and researchers). Thin: role check, form, model method, render."""

from __future__ import annotations

import secrets

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.checkins.models import Response

from . import research_exports
from .forms import ExportForm, TokenForm, WebhookForm
from .models import ApiToken, WebhookDelivery, WebhookEndpoint

COUNT_SHOWN_UP_TO = 200_000


@reauthentication_required(allow_get=True)
@access.staff_page(Role.ADMIN)
def integrations(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    form = TokenForm(request.POST or None, prefix="token")
    if request.method == "POST" and not viewer.sees_clinical_data_as_admin:
        # A token reads every client of the organization: only someone who may read them all
        # may create one (docs/threat-model.md, "API tokens").
        form = TokenForm(prefix="token")
        return _integrations_page(request, viewer, form, WebhookForm(prefix="hook"), status=403)
    if request.method == "POST" and form.is_valid():
        token, raw = ApiToken.issue(viewer.organization, by=viewer.user, **form.cleaned_data)
        # Shown once, on this response only; never stored or put in the session.
        return render(request, "api/token_created.html", {"token": token, "raw": raw})
    return _integrations_page(request, viewer, form, WebhookForm(prefix="hook"))


def _integrations_page(request, viewer, token_form, hook_form, status=None) -> HttpResponse:
    org = viewer.organization
    return render(
        request,
        "api/integrations.html",
        {
            "tokens": ApiToken.objects.filter(organization=org).select_related("created_by"),
            "endpoints": WebhookEndpoint.objects.filter(organization=org),
            "deliveries": WebhookDelivery.objects.filter(endpoint__organization=org)
            .select_related("endpoint")
            .prefetch_related("tries")[:50],
            "token_form": token_form,
            "hook_form": hook_form,
            "may_create_tokens": viewer.sees_clinical_data_as_admin,
        },
        status=status or (400 if token_form.errors or hook_form.errors else 200),
    )


@require_POST
@access.staff_page(Role.ADMIN)
def revoke_token(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    token = access.get_in(ApiToken.objects.filter(organization=viewer.organization), pk)
    token.revoke()
    messages.success(request, _("Token revoked: it no longer opens the API."))
    return redirect("api:integrations")


@require_POST
@access.staff_page(Role.ADMIN)
def add_webhook(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    form = WebhookForm(request.POST, prefix="hook")
    if not form.is_valid():
        return _integrations_page(request, viewer, TokenForm(prefix="token"), form)
    secret = secrets.token_hex(32)
    with transaction.atomic():
        endpoint = form.save(commit=False)
        endpoint.organization, endpoint.created_by, endpoint.secret = (
            viewer.organization,
            viewer.user,
            secret,
        )
        endpoint.save()
    return render(request, "api/webhook_created.html", {"endpoint": endpoint, "secret": secret})


@require_POST
@access.staff_page(Role.ADMIN)
def toggle_webhook(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    endpoint = access.get_in(WebhookEndpoint.objects.filter(organization=viewer.organization), pk)
    endpoint.active = not endpoint.active
    endpoint.save(update_fields=["active"])
    messages.success(request, _("Webhook turned on.") if endpoint.active else _("Webhook paused."))
    return redirect("api:integrations")


@access.staff_page(Role.ADMIN, Role.RESEARCHER)
def research_export(request: access.StaffRequest) -> HttpResponse:
    """Ask for an export; the worker builds it while this page shows its progress (htmx polls
    the list; without JavaScript the page refreshes itself while one is being prepared)."""
    viewer = request.viewer
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if research_exports.start(viewer, tuple(form.cleaned_data["formats"])) is None:
            messages.info(request, _("Your previous export is still being prepared."))
        else:
            messages.success(request, _("Export started. It appears below when it is ready."))
        return redirect("api:research_export")
    exports = list(research_exports.of_person(viewer)[: research_exports.SHOWN])
    # Counted only up to a bound: the page says "more than N" for a large organization rather
    # than reading every response on each view (the export itself runs on the worker).
    responses = Response.objects.filter(session__episode__organization=viewer.organization)
    count = responses.order_by()[: COUNT_SHOWN_UP_TO + 1].count()
    context = {
        "form": form,
        "count": count,
        "over": count > COUNT_SHOWN_UP_TO,
        "limit": COUNT_SHOWN_UP_TO,
        "exports": exports,
        "preparing": any(e.is_active for e in exports),
    }
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        return render(request, "api/_research_exports.html", context)
    return render(request, "api/research_export.html", context, status=400 if form.errors else 200)


@access.staff_page(Role.ADMIN, Role.RESEARCHER)
def research_export_download(request: access.StaffRequest, pk: int) -> HttpResponse:
    """The finished file, for the person who asked for it only, until it expires."""
    viewer = request.viewer
    found = research_exports.downloadable(viewer, pk)
    if found is None:
        raise Http404("Not found")
    research_exports.record_download(found)
    response = HttpResponse(bytes(found.content or b""), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{found.file_name}"'
    response["Cache-Control"] = "no-store"
    return response

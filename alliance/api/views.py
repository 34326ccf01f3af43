"""The admin's Integrations pages (API tokens, webhooks and their deliveries) and the research
export page (admins and researchers). Thin: role check, form, model method, render."""

from __future__ import annotations

import io
import secrets
import tempfile
import zipfile
from pathlib import Path

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.audit import trail
from alliance.audit.models import Action
from alliance.checkins.models import Response

from . import export
from .forms import ExportForm, TokenForm, WebhookForm
from .models import ApiToken, WebhookDelivery, WebhookEndpoint

# Above this many responses the page asks for the command instead: it runs in the request.
PAGE_EXPORT_LIMIT = 200_000


def _viewer(request: HttpRequest, *roles: str) -> access.Viewer:
    viewer: access.Viewer = request.viewer  # type: ignore[attr-defined]
    access.require_role(viewer, *roles)
    return viewer


def _own(queryset, viewer: access.Viewer, pk: int):  # noqa: ANN001, ANN202
    """An object of the viewer's organization, or 404."""
    return access._get_or_404(queryset.filter(organization=viewer.organization), pk)


@login_required
@reauthentication_required(allow_get=True)
def integrations(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request, Role.ADMIN)
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


def _integrations_page(request, viewer, token_form, hook_form, status=None) -> HttpResponse:  # noqa: ANN001
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


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request, Role.ADMIN)
    token = _own(ApiToken.objects.all(), viewer, pk)
    token.revoke()
    messages.success(request, _("Token revoked: it no longer opens the API."))
    return redirect("api:integrations")


@login_required
@require_POST
def add_webhook(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request, Role.ADMIN)
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
        trail.record_create(endpoint)
    return render(request, "api/webhook_created.html", {"endpoint": endpoint, "secret": secret})


@login_required
@require_POST
def toggle_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request, Role.ADMIN)
    endpoint = _own(WebhookEndpoint.objects.all(), viewer, pk)
    with transaction.atomic():
        before = trail.snapshot(endpoint)
        endpoint.active = not endpoint.active
        endpoint.save(update_fields=["active"])
        trail.record_update(endpoint, before)
    messages.success(request, _("Webhook turned on.") if endpoint.active else _("Webhook paused."))
    return redirect("api:integrations")


@login_required
def research_export(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request, Role.ADMIN, Role.RESEARCHER)
    form = ExportForm(request.POST or None)
    # Counted up to one past the limit: the page only needs to know whether the export fits,
    # and a full count would read every response of a large organization on each view.
    responses = Response.objects.filter(session__episode__organization=viewer.organization)
    count = responses.order_by()[: PAGE_EXPORT_LIMIT + 1].count()
    too_big = count > PAGE_EXPORT_LIMIT
    if request.method == "POST" and form.is_valid() and not too_big:
        return _download(viewer, tuple(form.cleaned_data["formats"]))
    context = {"form": form, "count": count, "too_big": too_big, "limit": PAGE_EXPORT_LIMIT}
    return render(request, "api/research_export.html", context, status=400 if form.errors else 200)


def _download(viewer: access.Viewer, formats: tuple[str, ...]) -> HttpResponse:
    with tempfile.TemporaryDirectory() as tmp:
        result = export.write(viewer.organization, Path(tmp), formats)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(result.directory.iterdir()):
                archive.write(path, f"{result.directory.name}/{path.name}")
    trail.record(
        Action.EXPORT,
        object_type="api.research_export",
        object_label=f"research export ({result.rows} rows)",
        organization=viewer.organization,
        after={"rows": result.rows, "formats": list(formats), "suppressed": result.suppressed},
    )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    name = f"{result.directory.name}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response

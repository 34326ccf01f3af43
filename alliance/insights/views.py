"""Acting on alerts; the admin's prompt library and thresholds. Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.audit import trail
from alliance.audit.models import Action
from alliance.care.views import render_episode
from alliance.charts.render import render_svg
from alliance.jobs.runner import enqueue_after_commit

from . import jobs as insight_jobs
from . import services
from .forms import AlertActionForm, PromptForm, ThresholdsForm
from .models import AlertKind, AlertTransitionError, InsightSettings, Prompt
from .panels import GROUP_VIEWS, chart_panels
from .prompts_seed import SEED_PROMPTS


def _viewer(request: HttpRequest) -> access.Viewer:
    return request.viewer  # type: ignore[attr-defined,no-any-return]


@login_required
@require_POST
def alert_action(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    alert = access.get_alert_for_user(viewer, pk, write=True)
    form = AlertActionForm(request.POST)
    error = None
    if form.is_valid():
        before = trail.snapshot(alert)
        try:
            with transaction.atomic():
                alert.transition(
                    form.cleaned_data["to_state"],
                    by=viewer.user,
                    **{
                        k: form.cleaned_data[k]
                        for k in ("what_was_said", "client_response", "note")
                    },
                )
                trail.record_update(alert, before)
        except AlertTransitionError as exc:
            error = str(exc)
    else:
        error = _("Choose what to do with the alert.")
    if error:
        return render_episode(
            request,
            viewer,
            alert.episode,
            status=400,
            alert_errors={alert.pk: error},
            alert_form_data={alert.pk: request.POST},
        )
    messages.success(request, _("Alert updated: %(state)s.") % {"state": alert.get_state_display()})
    # Back to the episode with this alert opened, so the recorded step is in view.
    return redirect(f"/episodes/{alert.episode_id}/?open={alert.pk}#alert-{alert.pk}")


@login_required
def prompt_library(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    access.require_role(viewer, Role.ADMIN)
    form = PromptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        prompt = form.save(commit=False)
        prompt.organization = viewer.organization
        prompt.save()
        trail.record_create(prompt)
        messages.success(request, _("Prompt added."))
        return redirect("insights:prompts")
    kinds = []
    for value, label in AlertKind.choices:
        own = Prompt.objects.filter(organization=viewer.organization, kind=value)
        kinds.append(
            {"value": value, "label": label, "own": own, "seeds": SEED_PROMPTS.get(value, [])}
        )
    return render(
        request,
        "insights/prompts.html",
        {"kinds": kinds, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def prompt_copy_seeds(request: HttpRequest, kind: str) -> HttpResponse:
    viewer = _viewer(request)
    access.require_role(viewer, Role.ADMIN)
    if kind not in AlertKind.values:
        raise Http404("Not found")
    if not Prompt.objects.filter(organization=viewer.organization, kind=kind).exists():
        for position, text in enumerate(SEED_PROMPTS.get(kind, [])):
            trail.record_create(
                Prompt.objects.create(
                    organization=viewer.organization, kind=kind, text=text, position=position
                )
            )
    return redirect("insights:prompts")


@login_required
def prompt_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    access.require_role(viewer, Role.ADMIN)
    prompt = Prompt.objects.filter(pk=pk, organization=viewer.organization).first()
    if prompt is None:
        raise Http404("Not found")
    before = trail.snapshot(prompt)
    form = PromptForm(request.POST or None, instance=prompt)
    if request.method == "POST" and form.is_valid():
        form.save()
        trail.record_update(prompt, before)
        messages.success(request, _("Prompt saved."))
        return redirect("insights:prompts")
    return render(
        request,
        "insights/prompt_edit.html",
        {"form": form, "prompt": prompt},
        status=400 if form.errors else 200,
    )


@login_required
def thresholds(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    access.require_role(viewer, Role.ADMIN)
    current = services.thresholds_for(viewer.organization)
    form = ThresholdsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        settings_row, _created = InsightSettings.objects.get_or_create(
            organization=viewer.organization
        )
        before = trail.snapshot(settings_row)
        settings_row.overrides = form.overrides()
        settings_row.save()
        trail.record_update(settings_row, before)
        messages.success(
            request,
            _(
                "Thresholds saved. They apply from the next check-in; use \u201cApply to all "
                "history\u201d below to recompute the alerts of earlier sessions too."
            ),
        )
        return redirect("insights:thresholds")
    return render(
        request, "insights/thresholds.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def recompute_history(request: HttpRequest) -> HttpResponse:
    """Queue the organization-wide recompute on the worker; the page does not wait for it."""
    viewer = _viewer(request)
    access.require_role(viewer, Role.ADMIN)
    enqueue_after_commit(
        insight_jobs.recompute_organization, organization_id=viewer.organization.pk
    )
    trail.record(
        Action.UPDATE,
        object_type="insights.recompute",
        object_label="alerts recomputed over all history (queued)",
        organization=viewer.organization,
    )
    messages.success(
        request,
        _(
            "The alerts of all earlier sessions are being recomputed in the background; "
            "the Jobs page shows when it has finished."
        ),
    )
    return redirect("insights:thresholds")


@login_required
def chart_svg(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A chart of the episode page as SVG: for print and for browsers without JavaScript."""
    viewer = _viewer(request)
    episode = access.get_episode_for_user(viewer, pk)
    view = request.GET.get("view", "each")
    view = view if view in GROUP_VIEWS else "each"
    panel = next((p for p in chart_panels(episode, view=view) if p.name == name), None)
    if panel is None:
        raise Http404("Not found")
    trail.record(Action.VIEW, episode, object_label=f"{episode} — chart {name}")
    return HttpResponse(render_svg(panel.spec), content_type="image/svg+xml")

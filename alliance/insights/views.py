"""Acting on alerts; the admin's prompt library and thresholds. Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.care.models import CareEpisode
from alliance.care.views import render_episode
from alliance.charts.render import render_svg
from alliance.jobs.runner import enqueue_after_commit

from . import jobs as insight_jobs
from . import services
from .forms import AlertActionForm, PromptForm, ThresholdsForm
from .models import Alert, AlertKind, AlertTransitionError, Prompt
from .panels import GROUP_VIEWS, chart_panels
from .prompts_seed import SEED_PROMPTS


@require_POST
@access.staff_page()
def alert_action(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    alert = access.get_for(viewer, Alert, pk, write=True)
    form = AlertActionForm(request.POST)
    error = None
    if form.is_valid():
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


@access.staff_page(Role.ADMIN)
def prompt_library(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    form = PromptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        prompt = form.save(commit=False)
        prompt.organization = viewer.organization
        prompt.save()
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


@require_POST
@access.staff_page(Role.ADMIN)
def prompt_copy_seeds(request: access.StaffRequest, kind: str) -> HttpResponse:
    viewer = request.viewer
    if kind not in AlertKind.values:
        raise Http404("Not found")
    if not Prompt.objects.filter(organization=viewer.organization, kind=kind).exists():
        services.copy_seed_prompts(viewer.organization, kind, SEED_PROMPTS.get(kind, []))
    return redirect("insights:prompts")


@access.staff_page(Role.ADMIN)
def prompt_edit(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    prompt = Prompt.objects.filter(pk=pk, organization=viewer.organization).first()
    if prompt is None:
        raise Http404("Not found")
    form = PromptForm(request.POST or None, instance=prompt)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Prompt saved."))
        return redirect("insights:prompts")
    return render(
        request,
        "insights/prompt_edit.html",
        {"form": form, "prompt": prompt},
        status=400 if form.errors else 200,
    )


@access.staff_page(Role.ADMIN)
def thresholds(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    current = services.thresholds_for(viewer.organization)
    form = ThresholdsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        services.save_thresholds(viewer.organization, form.overrides())
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


@require_POST
@access.staff_page(Role.ADMIN)
def recompute_history(request: access.StaffRequest) -> HttpResponse:
    """Queue the organization-wide recompute on the worker; the page does not wait for it."""
    viewer = request.viewer
    enqueue_after_commit(
        insight_jobs.recompute_organization, organization_id=viewer.organization.pk
    )
    services.record_recompute_queued(viewer.organization)
    messages.success(
        request,
        _(
            "The alerts of all earlier sessions are being recomputed in the background; "
            "the Jobs page shows when it has finished."
        ),
    )
    return redirect("insights:thresholds")


@access.staff_page()
def chart_svg(request: access.StaffRequest, pk: int, name: str) -> HttpResponse:
    """A chart of the episode page as SVG: for print and for browsers without JavaScript."""
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk)
    view = request.GET.get("view", "each")
    view = view if view in GROUP_VIEWS else "each"
    panel = next((p for p in chart_panels(episode, view=view) if p.name == name), None)
    if panel is None:
        raise Http404("Not found")
    services.record_chart_viewed(episode, name)
    return HttpResponse(render_svg(panel.spec), content_type="image/svg+xml")

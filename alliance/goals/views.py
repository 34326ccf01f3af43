"""The treatment plan pages (staff) and the client's goal review and preferences (by link).

Staff views are thin: an alliance.accounts.access lookup (404 for what one may not see, 403 for
what one may see but not change), a form, a service call, render. Client views take the
client's check-in link token and, like the check-in pages, never say why a link does not work.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.audit import context
from alliance.care import services as care_services
from alliance.care.models import CLIENT_ROLES, CareEpisode
from alliance.checkins import client_language, ratelimit
from alliance.checkins import services as checkin_services
from alliance.checkins.models import ACTIVE_STATES, CheckinRequest, CheckinState
from alliance.checkins.views import finished_here, received_page

from . import panels, pdf, services
from .forms import (
    AgendaForm,
    GoalForm,
    GoalReviewForm,
    PreferencesForm,
    ReviewSettingsForm,
    TaskForm,
)
from .models import GoalChange, GoalProposal, Task


def _pk(raw: Any) -> int:
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) > 18:
        raise Http404("Not found")
    return int(text)


# --- the plan page -------------------------------------------------------------------------------


@access.staff_page()
def plan_page(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=request.method == "POST")
    if request.method == "POST":
        failed = _plan_post(request, viewer, episode)
        if failed is None:
            return redirect("goals:plan", pk=episode.pk)
        return _render_plan(request, viewer, episode, status=400, **failed)
    care_services.record_viewed(episode)
    return _render_plan(request, viewer, episode)


def _plan_post(
    request: HttpRequest, viewer: access.Viewer, episode: CareEpisode
) -> dict[str, Any] | None:
    """Apply one action of the plan page; returns the failing form (to show again) or None."""
    action = request.POST.get("action", "")
    by = viewer.user
    if action == "add_goal":
        form = GoalForm(request.POST, prefix="new")
        if not form.is_valid():
            return {"new_goal_form": form}
        services.add_goal(episode, by=by, **form.cleaned_data)
        messages.success(request, _("Goal added."))
    elif action == "edit_goal":
        goal = _goal(episode, request.POST.get("goal"))
        form = GoalForm(request.POST, instance=goal, prefix=f"g{goal.pk}")
        if not form.is_valid():
            return {"goal_forms": {goal.pk: form}}
        services.change_goal(goal, by=by, **form.cleaned_data)
        messages.success(request, _("Goal saved."))
    elif action == "add_task":
        goal = _goal(episode, request.POST.get("goal"))
        form = TaskForm(request.POST, prefix=f"nt{goal.pk}")
        if not form.is_valid():
            return {"new_task_forms": {goal.pk: form}}
        services.add_task(goal, by=by, **form.cleaned_data)
        messages.success(request, _("Task added."))
    elif action == "edit_task":
        task = _task(episode, request.POST.get("task"))
        form = TaskForm(request.POST, instance=task, prefix=f"t{task.pk}")
        if not form.is_valid():
            return {"task_forms": {task.pk: form}}
        services.change_task(task, by=by, **form.cleaned_data)
        messages.success(request, _("Task saved."))
    elif action == "settings":
        form = ReviewSettingsForm(request.POST, instance=services.review_settings(episode))
        if not form.is_valid():
            return {"settings_form": form}
        services.set_review_every(episode, form.cleaned_data["every_n"])
        messages.success(request, _("Review schedule saved."))
    else:
        raise Http404("Not found")
    return None


def _goal(episode: CareEpisode, raw: Any) -> Any:
    goal = episode.goals.filter(pk=_pk(raw)).first()
    if goal is None:
        raise Http404("Not found")
    return goal


def _task(episode: CareEpisode, raw: Any) -> Task:
    task = Task.objects.filter(pk=_pk(raw), goal__episode=episode).select_related("goal").first()
    if task is None:
        raise Http404("Not found")
    return task


def _render_plan(
    request: HttpRequest,
    viewer: access.Viewer,
    episode: CareEpisode,
    status: int = 200,
    new_goal_form: GoalForm | None = None,
    goal_forms: dict[int, GoalForm] | None = None,
    new_task_forms: dict[int, TaskForm] | None = None,
    task_forms: dict[int, TaskForm] | None = None,
    settings_form: ReviewSettingsForm | None = None,
) -> HttpResponse:
    plan = panels.plan_panel(viewer, episode)
    for row in plan.rows + plan.past:
        goal = row.goal
        row.form = (goal_forms or {}).get(goal.pk) or GoalForm(instance=goal, prefix=f"g{goal.pk}")  # type: ignore[attr-defined]
        row.new_task_form = (new_task_forms or {}).get(goal.pk) or TaskForm(prefix=f"nt{goal.pk}")  # type: ignore[attr-defined]
        for task in goal.tasks.all():
            task.form = (task_forms or {}).get(task.pk) or TaskForm(
                instance=task, prefix=f"t{task.pk}"
            )  # type: ignore[attr-defined]
    history = (
        GoalChange.objects.filter(goal__episode=episode)
        .select_related("goal", "task", "changed_by")
        .order_by("-changed_at", "-pk")[:200]
    )
    return render(
        request,
        "goals/plan.html",
        {
            "episode": episode,
            "plan": plan,
            "new_goal_form": new_goal_form or GoalForm(prefix="new"),
            "settings_form": settings_form
            or ReviewSettingsForm(instance=services.review_settings(episode)),
            "history": history,
        },
        status=status,
    )


@require_POST
@access.staff_page()
def decide_proposal(
    request: access.StaffRequest, pk: int, proposal_pk: int, decision: str
) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk, write=True)
    proposal = GoalProposal.objects.filter(pk=proposal_pk, episode=episode).first()
    if proposal is None or decision not in ("accept", "decline"):
        raise Http404("Not found")
    decided = services.decide(proposal, accept=decision == "accept", by=viewer.user)
    if decided.state == "accepted":
        messages.success(request, _("Accepted: the plan now shows the change."))
    elif decided.state == "declined":
        messages.success(request, _("Declined: the plan stays as it was."))
    if request.POST.get("back") == "episode":
        return redirect("care:episode", pk=episode.pk)
    return redirect("goals:plan", pk=episode.pk)


@access.staff_page()
def plan_print(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk)
    services.record_plan_exported(episode, "printable treatment plan")
    return render(
        request,
        "goals/print.html",
        {
            "episode": episode,
            "plan": panels.plan_panel(viewer, episode),
            "today": timezone.localdate(),
        },
    )


@access.staff_page()
def plan_pdf(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    episode = access.get_for(viewer, CareEpisode, pk)
    services.record_plan_exported(episode, "treatment plan PDF")
    body = pdf.plan_pdf(episode, panels.plan_panel(viewer, episode, with_charts=False))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="treatment-plan-{episode.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- the client's side, through their check-in link ---------------------------------------------


def _quiet(response: HttpResponse) -> HttpResponse:
    # As on the check-in pages: the path holds the token, so it is never logged.
    response._has_been_logged = True  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response


def _unavailable(request: HttpRequest) -> HttpResponse:
    ratelimit.record_failure(request)
    return _quiet(render(request, "checkins/client_unavailable.html", status=404))


def link_checkin(token: str, known: object = None) -> CheckinRequest | None:
    """A client's check-in link that is still within its lifetime, answered or not. `known`:
    the link the page already read for this token (not read again)."""
    if isinstance(known, CheckinRequest) and known.matches(token):
        found: CheckinRequest | None = known
    else:
        found = checkin_services.find_request(token)
    if found is None or found.participant.role not in CLIENT_ROLES:
        return None
    if found.state not in (*ACTIVE_STATES, CheckinState.COMPLETED):
        return None
    if found.expires_at <= timezone.now():
        return None
    return found


def _open_link(request: HttpRequest, token: str) -> CheckinRequest | HttpResponse:
    """The preamble every client page shares: the method, the link, the acting context and the
    client's language. The rate limit is checked only after a failed lookup, so a valid link
    always works (as on the check-in pages)."""
    if request.method not in ("GET", "POST"):
        return _quiet(HttpResponseNotAllowed(["GET", "POST"]))
    checkin = link_checkin(token)
    # After the check-in, only the browser that sent it, briefly (as the thank-you page): on a
    # shared tablet the next client must not reopen these from the history. Anyone else
    # holding the link is told the answers arrived.
    if (
        checkin is not None
        and checkin.state == CheckinState.COMPLETED
        and not finished_here(request, checkin)
    ):
        return received_page(request, checkin)
    if checkin is None:
        if ratelimit.is_blocked(request):
            return _quiet(render(request, "checkins/client_too_many.html", status=429))
        return _unavailable(request)
    context.update(source="link", organization=checkin.organization)
    client_language.activate_for(request, checkin)
    return checkin


def _client_base(checkin: CheckinRequest) -> dict[str, Any]:
    episode = checkin.session.episode
    return {
        "clinic_name": episode.organization.name,
        "therapist": checkin_services.therapist_first_name(episode),
    }


def _problems(form: Any, labels: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The error summary at the top of a client page: a link to each field to look at again."""
    found = []
    for field in form:
        if not field.errors:
            continue
        anchor = field.auto_id
        if getattr(field.field.widget, "input_type", "") == "radio":
            anchor = f"{anchor}_0"
        label = (labels or {}).get(field.name) or str(field.label or "")
        found.append({"anchor": anchor, "label": label, "message": str(field.errors[0])})
    return found


@csrf_exempt  # the link's own token proves the form came from its holder (see checkins.views)
@never_cache
def client_review(request: HttpRequest, token: str) -> HttpResponse:
    checkin = _open_link(request, token)
    if isinstance(checkin, HttpResponse):
        return checkin
    if not services.review_due(checkin.session):
        return _unavailable(request)
    ctx = _client_base(checkin)
    ctx["token"] = token
    if services.already_reviewed(checkin.session, checkin.participant):
        return _quiet(render(request, "goals/client_review_done.html", ctx))
    goals = services.active_goals(checkin.session.episode)
    form = GoalReviewForm(goals, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.save_review(
            session=checkin.session,
            participant=checkin.participant,
            checkin=checkin,
            ratings=form.ratings(),
            no_longer_fits=form.unfit(),
            new_goals=[form.cleaned_data["new_goal"]],
        )
        return _quiet(render(request, "goals/client_review_done.html", ctx))
    labels = {}
    for goal in goals:
        labels[f"right-{goal.pk}"] = f"{goal.wording}: " + _(
            "How much is this still the right goal for you?"
        )
        labels[f"progress-{goal.pk}"] = f"{goal.wording}: " + _(
            "How much progress do you feel you have made?"
        )
    ctx.update(form=form, token=token, problems=_problems(form, labels))
    return _quiet(
        render(request, "goals/client_review.html", ctx, status=400 if form.errors else 200)
    )


@csrf_exempt
@never_cache
def client_preferences(request: HttpRequest, token: str) -> HttpResponse:
    checkin = _open_link(request, token)
    if isinstance(checkin, HttpResponse):
        return checkin
    prefs = services.preferences_of(checkin.participant)
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=prefs)
    ctx = _client_base(checkin)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(
            checkin.participant, {k: v or "" for k, v in form.cleaned_data.items()}
        )
        ctx["saved"] = True
    ctx.update(form=form, token=token, problems=_problems(form))
    return _quiet(
        render(request, "goals/client_preferences.html", ctx, status=400 if form.errors else 200)
    )


@csrf_exempt
@never_cache
def client_agenda(request: HttpRequest, token: str) -> HttpResponse:
    checkin = _open_link(request, token)
    if isinstance(checkin, HttpResponse):
        return checkin
    agenda = services.agenda_of(checkin.session, checkin.participant)
    initial = {"focus": agenda.focus, "worked_on": agenda.worked_on} if agenda else {}
    form = AgendaForm(request.POST if request.method == "POST" else None, initial=initial)
    ctx = _client_base(checkin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.save_agenda(checkin.session, checkin.participant, data["focus"], data["worked_on"])
        ctx["saved"] = True
    ctx.update(
        form=form,
        token=token,
        problems=_problems(form),
        # "Did we work on it?" only makes sense once the session has begun.
        after_start=checkin.session.starts_at <= timezone.now(),
    )
    return _quiet(
        render(request, "goals/client_agenda.html", ctx, status=400 if form.errors else 200)
    )

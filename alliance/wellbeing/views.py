"""The therapist's own pages: the self-check and its trend, the private journal, and the
supervisor's "shared with me" page.

Thin views: a privacy.py lookup (404 for anything not one's own or not shared with one), a form,
a services.py call, render or redirect. No page here shows anything to anyone but its author,
except the one item an author shares with one of their supervisors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.charts.render import render_svg

from . import charts, privacy, reminders, scoring, services, suggestions
from .forms import JournalEntryForm, ReminderForm, SelfCheckForm, ShareForm
from .models import JournalEntry, SelfCheck

# --- the self-check ------------------------------------------------------------------------------


@access.staff_page()
def wellbeing_page(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    privacy.require_member(viewer)
    check_form, reminder_form = (
        SelfCheckForm(),
        ReminderForm(initial={"reminder": services.settings_of(viewer.user).reminder}),
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "check":
            check_form = SelfCheckForm(request.POST)
            if check_form.is_valid():
                check = services.record_check(
                    viewer.user,
                    check_form.cleaned_data["answers"],
                    check_form.cleaned_data.get("form_key", ""),
                )
                messages.success(request, _("Self-check saved. Only you can see it."))
                return redirect("wellbeing:check", pk=check.pk)
        elif action == "reminder":
            reminder_form = ReminderForm(request.POST)
            if reminder_form.is_valid():
                services.set_reminder(viewer.user, reminder_form.cleaned_data["reminder"])
                messages.success(request, _("Reminder setting saved."))
                return redirect("wellbeing:home")
        else:
            raise Http404("Not found")
        return _render_wellbeing(request, viewer, check_form, reminder_form, status=400)
    return _render_wellbeing(request, viewer, check_form, reminder_form)


def _trend(viewer: access.Viewer) -> tuple[list[SelfCheck], list[scoring.Reading]]:
    checks = services.history(viewer.user)
    return checks, scoring.trend([c.answers for c in checks])


def _render_wellbeing(
    request: HttpRequest,
    viewer: access.Viewer,
    check_form: SelfCheckForm,
    reminder_form: ReminderForm,
    status: int = 200,
) -> HttpResponse:
    checks, readings = _trend(viewer)
    rows = list(zip(checks, readings, strict=True))
    return render(
        request,
        "wellbeing/home.html",
        {
            "form": check_form,
            "reminder_form": reminder_form,
            "due": reminders.status(viewer.user),
            "rows": list(reversed(rows)),
            "areas": scoring.AREAS,
            "spec": charts.trend_spec([(c.checked_at, r) for c, r in rows]) if rows else None,
            "latest": rows[-1] if rows else None,
            "prompt": scoring.PROMPT,
            "total_max": scoring.TOTAL_MAX,
        },
        status=status,
    )


@access.staff_page()
def trend_svg(request: access.StaffRequest) -> HttpResponse:
    """The trend chart as SVG, for print and for browsers without JavaScript."""
    viewer = request.viewer
    privacy.require_member(viewer)
    checks, readings = _trend(viewer)
    if not checks:
        raise Http404("Not found")
    spec = charts.trend_spec([(c.checked_at, r) for c, r in zip(checks, readings, strict=True)])
    return HttpResponse(render_svg(spec), content_type="image/svg+xml")


def _check_context(check: SelfCheck, *, own: bool) -> dict[str, Any]:
    """A supervisor sees the shared check alone: the usual level and the change would tell them
    about the author's other checks, which are not shared."""
    if own:
        result = services.reading_of(check, services.history(check.person))
    else:
        result = scoring.reading(check.answers, [])
    return {
        "check": check,
        "result": result,
        "own": own,
        "suggestions": suggestions.for_reading(result) if own else [],
        "total_max": scoring.TOTAL_MAX,
        "answers": [
            (item, scoring.ANSWER_LABELS[check.answers[item.key]], check.answers[item.key])
            for item in scoring.ITEMS
        ],
    }


@access.staff_page()
def check_page(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    check = privacy.get_own_check(viewer, pk)
    services.record_read(check)
    return render(
        request,
        "wellbeing/check.html",
        {**_check_context(check, own=True), "share_form": _share_form(viewer)},
    )


@access.staff_page()
def check_delete(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    check = privacy.get_own_check(viewer, pk)
    if request.method == "POST":
        services.delete_check(check)
        messages.success(request, _("Self-check deleted."))
        return redirect("wellbeing:home")
    return render(request, "wellbeing/confirm_delete.html", {"item": check, "kind": "check"})


# --- sharing -------------------------------------------------------------------------------------


def _share_form(viewer: access.Viewer, data: Any = None) -> ShareForm:
    return ShareForm(data, supervisors=privacy.my_supervisors(viewer))


def _share_or_unshare(
    request: HttpRequest, item: SelfCheck | JournalEntry, back: str
) -> HttpResponse:
    viewer = request.viewer
    if request.POST.get("action") == "unshare":
        services.unshare(item)
        messages.success(request, _("No longer shared: only you can see it."))
        return redirect(back, pk=item.pk)
    form = _share_form(viewer, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("supervisor", [])))
        return redirect(back, pk=item.pk)
    supervisor = form.cleaned_data["supervisor"]
    services.share(item, supervisor, viewer.organization)
    messages.success(
        request,
        _("Shared with %(name)s. They see this one item only, until you stop sharing it.")
        % {"name": supervisor.display_name},
    )
    return redirect(back, pk=item.pk)


@require_POST
@access.staff_page()
def check_share(request: access.StaffRequest, pk: int) -> HttpResponse:
    check = privacy.get_own_check(request.viewer, pk)
    return _share_or_unshare(request, check, "wellbeing:check")


@require_POST
@access.staff_page()
def entry_share(request: access.StaffRequest, pk: int) -> HttpResponse:
    entry = privacy.get_own_entry(request.viewer, pk)
    return _share_or_unshare(request, entry, "wellbeing:entry")


# --- the journal ---------------------------------------------------------------------------------


@access.staff_page()
def journal_page(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    privacy.require_member(viewer)
    entries = privacy.own_entries(viewer).select_related("shared_with")
    return render(request, "wellbeing/journal.html", {"entries": entries})


@access.staff_page()
def entry_new(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    privacy.require_member(viewer)
    episodes = privacy.linkable_episodes(viewer)
    form = JournalEntryForm(request.POST or None, episodes=episodes)
    if request.method == "POST" and form.is_valid():
        entry = services.add_entry(viewer.user, **form.cleaned_data)
        messages.success(request, _("Journal entry saved. Only you can see it."))
        return redirect("wellbeing:entry", pk=entry.pk)
    return render(
        request,
        "wellbeing/entry_form.html",
        {"form": form, "entry": None},
        status=400 if form.errors else 200,
    )


@access.staff_page()
def entry_page(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    entry = privacy.get_own_entry(viewer, pk)
    services.record_read(entry)
    return render(
        request,
        "wellbeing/entry.html",
        {
            "entry": entry,
            "episode": privacy.episode_if_visible(viewer, entry),
            "share_form": _share_form(viewer),
            "own": True,
        },
    )


@access.staff_page()
def entry_edit(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    entry = privacy.get_own_entry(viewer, pk)
    form = JournalEntryForm(
        request.POST or None, instance=entry, episodes=privacy.linkable_episodes(viewer)
    )
    if request.method == "POST" and form.is_valid():
        services.change_entry(entry, **form.cleaned_data)
        messages.success(request, _("Journal entry saved."))
        return redirect("wellbeing:entry", pk=entry.pk)
    return render(
        request,
        "wellbeing/entry_form.html",
        {"form": form, "entry": entry},
        status=400 if form.errors else 200,
    )


@access.staff_page()
def entry_delete(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    entry = privacy.get_own_entry(viewer, pk)
    if request.method == "POST":
        services.delete_entry(entry)
        messages.success(request, _("Journal entry deleted."))
        return redirect("wellbeing:journal")
    return render(request, "wellbeing/confirm_delete.html", {"item": entry, "kind": "entry"})


# --- shared with me (supervisors) ----------------------------------------------------------------


@access.staff_page(Role.SUPERVISOR)
def shared_page(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    return render(
        request,
        "wellbeing/shared.html",
        {
            "entries": privacy.shared_with_me(viewer, JournalEntry).order_by("-shared_at"),
            "checks": privacy.shared_with_me(viewer, SelfCheck).order_by("-shared_at"),
        },
    )


@access.staff_page()
def shared_entry(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    entry = privacy.get_shared(viewer, JournalEntry, pk)
    services.record_read(entry, by_supervisor=True)
    return render(
        request,
        "wellbeing/entry.html",
        {"entry": entry, "episode": privacy.episode_if_visible(viewer, entry), "own": False},
    )


@access.staff_page()
def shared_check(request: access.StaffRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    check = privacy.get_shared(viewer, SelfCheck, pk)
    services.record_read(check, by_supervisor=True)
    return render(request, "wellbeing/check.html", _check_context(check, own=False))

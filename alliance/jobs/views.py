"""The admin's view of background jobs: recent and failed ones, and a retry button."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tasks.base import TaskResultStatus

from alliance.accounts import access
from alliance.accounts.models import Organization, Role

from . import admin_list

RECENT = 100


@access.staff_page(Role.ADMIN)
def job_list(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    jobs = admin_list.of_organization(viewer.organization.pk)
    failed = jobs.filter(status=TaskResultStatus.FAILED).order_by("-finished_at")[:RECENT]
    recent = jobs.order_by("-enqueued_at")[:RECENT]
    queued = admin_list.waiting(jobs)
    return render(
        request,
        "jobs/list.html",
        {
            "failed": [admin_list.row(r, queued) for r in failed],
            "recent": [admin_list.row(r, queued) for r in recent],
            "waiting": jobs.filter(status=TaskResultStatus.READY).count(),
            "scheduled": admin_list.schedule_rows(show_errors=Organization.objects.count() == 1),
        },
    )


@require_POST
@access.staff_page(Role.ADMIN)
def retry(request: access.StaffRequest, pk: str) -> HttpResponse:
    """Queue a failed job again, as a fresh first attempt; the failed row stays as history."""
    viewer = request.viewer
    result = (
        admin_list.of_organization(viewer.organization.pk)
        .filter(pk=pk, status=TaskResultStatus.FAILED)
        .first()
    )
    if result is None:
        raise Http404
    job = admin_list.job_of(result)
    if job is None:
        messages.error(request, _("This job no longer exists in this version; it cannot be run."))
        return redirect("jobs:list")
    job.enqueue(*result.args_kwargs["args"], **admin_list.retry_arguments(job, result))
    admin_list.record_retried(result, viewer.organization)
    messages.success(request, _("The job is queued again."))
    return redirect("jobs:list")

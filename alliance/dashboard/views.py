"""The landing page after sign-in: each role's part of the work, in the current organization."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alliance.accounts import access
from alliance.accounts.models import Invitation, Supervision
from alliance.insights import priority

from .caseload import caseload_rows, need_choices


def _supervisee_ids(viewer: access.Viewer) -> list[int]:
    return list(
        Supervision.objects.filter(
            organization=viewer.organization, supervisor=viewer.user
        ).values_list("therapist_id", flat=True)
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer: access.Viewer = request.viewer  # type: ignore[attr-defined]
    need = request.GET.get("need", "")[:20]
    context: dict[str, object] = {
        "need": need,
        "need_choices": list(need_choices()),
        "order_rule": priority.RULE,
    }
    context["invitations"] = Invitation.objects.filter(
        email__iexact=viewer.user.email, decided_at__isnull=True
    ).select_related("organization", "invited_by")
    if viewer.organization is not None:
        if viewer.is_therapist:
            context["caseload"] = caseload_rows(viewer, need=need)
        if viewer.is_supervisor:
            context["supervised"] = caseload_rows(viewer, _supervisee_ids(viewer), need=need)
    if request.htmx and request.htmx.target == "caseload":  # type: ignore[attr-defined]
        return render(
            request, "dashboard/_caseload.html", {**context, "rows": context.get("caseload", [])}
        )
    return render(request, "dashboard/home.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")

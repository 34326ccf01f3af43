"""The landing page after sign-in: each role's part of the work, in the current organization."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alliance.accounts import access
from alliance.accounts.models import Invitation, Supervision
from alliance.insights import priority

from .caseload import caseload_rows, need_choices
from .caseload_view import SORTS, arrange, mark_new
from .models import PageVisit


def _supervisee_ids(viewer: access.Viewer) -> list[int]:
    return list(
        Supervision.objects.filter(
            organization=viewer.organization, supervisor=viewer.user
        ).values_list("therapist_id", flat=True)
    )


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 6 else 1


@access.staff_page()
def home(request: access.StaffRequest) -> HttpResponse:
    viewer = request.viewer
    need = request.GET.get("need", "")[:20]
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    sort = request.GET.get("sort", "need")[:10]
    page = _page_number(request.GET.get("page", ""))
    partial = bool(request.htmx and request.htmx.target == "caseload")  # type: ignore[attr-defined]
    context: dict[str, object] = {
        "need": need,
        "need_choices": list(need_choices()),
        "order_rule": priority.RULE,
        "sort_choices": SORTS,
    }
    context["invitations"] = Invitation.objects.filter(
        email__iexact=viewer.user.email, decided_at__isnull=True
    ).select_related("organization", "invited_by")
    if viewer.organization is not None:
        # A filter or search redraws the table: that is not a new visit to the caseload.
        since = (
            PageVisit.previous(viewer.user, "caseload")
            if partial
            else PageVisit.previous_and_record(viewer.user, "caseload")
        )
        if viewer.is_therapist:
            rows = caseload_rows(viewer, need=need)
            new_count = mark_new(rows, since)
            context["caseload"] = arrange(rows, query=query, sort=sort, page=page)
            context["caseload"].new_count = new_count  # type: ignore[attr-defined]
            context["since"] = since
        if viewer.is_supervisor:
            rows = caseload_rows(viewer, _supervisee_ids(viewer), need=need)
            mark_new(rows, since)
            # The supervision list is read whole (a supervisor's view across therapists).
            context["supervised"] = arrange(rows, sort=sort, page_size=len(rows) or 1)
    if partial:
        return render(
            request, "dashboard/_caseload.html", {**context, "listing": context.get("caseload")}
        )
    return render(request, "dashboard/home.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")

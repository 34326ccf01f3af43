"""The landing page after sign-in: each role's part of the work, in the current organization."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Max, Min, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from alliance.accounts import access
from alliance.accounts.models import Supervision
from alliance.care.models import EpisodeStatus, Participant, Session


def _caseload(viewer: access.Viewer, therapist_ids: list[int] | None = None):  # noqa: ANN202
    """Open episodes with clients and staff, the last and the next session, in a fixed number of
    queries however many episodes there are."""
    episodes = access.visible_episodes(viewer).filter(status=EpisodeStatus.OPEN)
    if therapist_ids is not None:
        episodes = episodes.filter(participants__user_id__in=therapist_ids).distinct()
    else:
        episodes = episodes.filter(participants__user=viewer.user)
    now = timezone.now()
    return (
        episodes.annotate(
            last_session_at=Max("sessions__starts_at", filter=Q(sessions__starts_at__lte=now)),
            next_session_at=Min(
                "sessions__starts_at",
                filter=Q(sessions__starts_at__gt=now, sessions__status="scheduled"),
            ),
        )
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("client", "user"))
        )
        .order_by("next_session_at", "-started_on")
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer: access.Viewer = request.viewer  # type: ignore[attr-defined]
    context: dict[str, object] = {}
    if viewer.organization is not None:
        if viewer.is_therapist:
            context["caseload"] = _caseload(viewer)
        if viewer.is_supervisor:
            supervisee_ids = list(
                Supervision.objects.filter(
                    organization=viewer.organization, supervisor=viewer.user
                ).values_list("therapist_id", flat=True)
            )
            context["supervised"] = _caseload(viewer, supervisee_ids)
        context["upcoming_sessions"] = (
            Session.objects.filter(
                episode__in=access.writable_episodes(viewer),
                starts_at__gte=timezone.now(),
                status="scheduled",
            )
            .select_related("episode")
            .order_by("starts_at")[:10]
            if viewer.is_therapist
            else []
        )
    return render(request, "dashboard/home.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")

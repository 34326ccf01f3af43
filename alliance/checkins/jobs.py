"""The check-in app's background work: link emails and marking overdue links expired."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from alliance.audit import context
from alliance.jobs import effects, sealed
from alliance.jobs.runner import NoRetry, enqueue_after_commit, job
from alliance.jobs.schedule import periodic

from . import services
from .models import ACTIVE_STATES, CheckinRequest, CheckinState

# A sealed token in a job row opens nothing after this, whatever the link's own expiry.
SEAL_LIFETIME = dt.timedelta(days=31)
EXPIRE_BATCH = 500


def queue_link_email(checkin: CheckinRequest, token: str, *, asked_by: Any) -> None:
    """Queue the email once the page's transaction commits; one email per call, however often
    the job runs (a fresh send id names this email)."""
    enqueue_after_commit(
        send_link_email,
        checkin.pk,
        sealed.seal(token),
        send_id=secrets.token_hex(8),
        organization_id=checkin.session.episode.organization_id,
        asked_by=asked_by.pk if asked_by is not None else None,
    )


@job
def send_link_email(
    request_id: int,
    sealed_token: str,
    *,
    send_id: str,
    organization_id: int | None,
    asked_by: int | None = None,
) -> str:
    """Email a check-in link to its respondent, once."""
    checkin = (
        CheckinRequest.objects.select_related(
            "session__episode__organization", "participant__client", "participant__user"
        )
        .filter(pk=request_id)
        .first()
    )
    if checkin is None:
        return "the link no longer exists"
    try:
        token = sealed.unseal(sealed_token, max_age_seconds=int(SEAL_LIFETIME.total_seconds()))
    except sealed.Unsealable:
        raise NoRetry(
            "the link in this job can no longer be opened (the secret key changed, or the job "
            "is too old); create a new link"
        ) from None
    if not checkin.matches(token) or not checkin.is_active:
        return "the link was answered, cancelled or expired before the email went out"
    key = f"checkin-email:{checkin.pk}:{send_id}"
    if not effects.claim(key):
        return "already sent"
    acting = context.ActingContext(
        request_id=context.new_request_id(),
        source="task",
        actor=get_user_model().objects.filter(pk=asked_by).first() if asked_by else None,
        organization=checkin.session.episode.organization,
    )
    with context.acting(acting):
        try:
            to, subject, body = services.link_email(checkin, token)
            send_mail(subject, body, None, [to])
        except Exception:
            effects.release(key)  # nothing left the building: the retry may go at once
            raise
        with transaction.atomic():
            effects.done(key)
            services.record_email_sent(checkin, to)
    return "sent"


@periodic(every=dt.timedelta(minutes=15))
def expire_overdue_links() -> str:
    """Overdue check-in links marked expired.

    A link stops working at its expiry whatever its state says (services.usable_request); this
    makes the stored state, the session page and the audit trail say so too, without waiting
    for someone to open the link."""
    now = timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                CheckinRequest.objects.select_for_update(skip_locked=True)
                .filter(state__in=ACTIVE_STATES, expires_at__lte=now)
                .select_related("session__episode__organization", "participant")
                .order_by("pk")[:EXPIRE_BATCH]
            )
            for checkin in batch:
                with context.acting(
                    context.ActingContext(
                        request_id=context.new_request_id(),
                        source="task",
                        organization=checkin.session.episode.organization,
                    )
                ):
                    services.set_state(checkin, CheckinState.EXPIRED)
        expired += len(batch)
        if len(batch) < EXPIRE_BATCH:
            return f"{expired} link(s) expired"

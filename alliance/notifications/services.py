"""Who hears about what: notifications from stored responses and raised alerts, the watch kept
on each risk answer, and its escalation (docs/notifications.md).

Recipients are the people who may see the episode under alliance/accounts/access.py: its
therapists and co-therapists still taking part. A supervisor (or the named duty clinician, or
with neither, the organization's admins) hears only through an escalation; a page then shows
the client only to those the access rules let see the episode.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from alliance.accounts.models import Membership, Role, Supervision, User
from alliance.api.models import WebhookDelivery
from alliance.care.models import CLIENT_ROLES
from alliance.checkins.models import Response
from alliance.insights.models import Alert, AlertEvent, AlertKind, AlertState
from alliance.jobs.runner import enqueue_after_commit, job

from . import mail, webhooks
from .models import (
    MAX_ESCALATION_HOURS,
    EscalateTo,
    Kind,
    Notification,
    Policy,
    Preference,
    RiskWatch,
)
from .people import episode_staff

logger = logging.getLogger(__name__)

# Answers and alerts from further back (a history loaded at once, a recompute after new
# thresholds) are on the caseload already; they make no notification, email or escalation.
FRESH = dt.timedelta(days=2)


def is_fresh(moment: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    return moment is None or moment >= (now or timezone.now()) - FRESH


def policy_for(organization_id: int) -> Policy:
    found = Policy.objects.filter(organization_id=organization_id).first()
    return found or Policy(organization_id=organization_id)


def preference_for(user: Any, organization_id: int) -> Preference:
    found = Preference.objects.filter(user=user, organization_id=organization_id).first()
    return found or Preference(user=user, organization_id=organization_id)


def notify(
    recipients: Iterable[User],
    kind: str,
    key: str,
    *,
    organization_id: int,
    episode_id: int | None = None,
    participant_id: int | None = None,
    alert_id: int | None = None,
    session_number: int | None = None,
) -> int:
    """One line per person about one thing, however often it is asked for; returns how many
    were new."""
    rows = [
        Notification(
            organization_id=organization_id,
            recipient=person,
            kind=kind,
            key=key,
            episode_id=episode_id,
            participant_id=participant_id,
            alert_id=alert_id,
            session_number=session_number,
        )
        for person in recipients
    ]
    if not rows:
        return 0
    existing = set(
        Notification.objects.filter(key=key, recipient__in=[r.recipient for r in rows]).values_list(
            "recipient_id", flat=True
        )
    )
    fresh = [r for r in rows if r.recipient.pk not in existing]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


# --- stored responses ------------------------------------------------------------------------


def risk_concern(response: Any) -> str:
    """The concern the analysis gives this response's risk alert (insights.services.concern_of)."""
    return f"risk:{response.participant_id}:{response.instrument_key}:{response.session.number}"


def on_response(response: Any, risk: bool) -> None:
    """A client's answers arrived: "new check-in" for the episode's therapists, and for a risk
    answer the risk line, the watch and the email. The person who typed in a paper form is not
    told about it; everything else still happens (the watch escalates if nobody acknowledges)."""
    participant = response.participant
    if participant.role not in CLIENT_ROLES or not is_fresh(response.submitted_at):
        return
    session = response.session
    episode = session.episode
    people = [p for p in episode_staff(episode.pk) if p.pk != response.entered_by_staff_id]
    where = {
        "organization_id": episode.organization_id,
        "episode_id": episode.pk,
        "participant_id": participant.pk,
        "session_number": session.number,
    }
    with transaction.atomic():
        notify(people, Kind.CHECKIN, f"checkin:{session.pk}:{participant.pk}", **where)
        if risk:
            concern = risk_concern(response)
            watch_risk(episode.organization_id, episode.pk, concern, response.submitted_at)
            notify(people, Kind.RISK, concern, **where)


@job
def notify_stored_response(response_id: int, risk: bool, *, organization_id: int | None) -> str:
    """on_response, run by the worker: the check-in's request only queues it (one insert), and
    a failure here is retried instead of lost."""
    response = (
        Response.objects.select_related("participant", "session__episode")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        return "response gone (erased)"
    on_response(response, risk)
    return "notified"


def watch_risk(
    organization_id: int, episode_id: int, concern: str, raised_at: dt.datetime
) -> RiskWatch:
    """The watch on one risk answer, created once; its creation queues the email."""
    found = RiskWatch.objects.filter(episode_id=episode_id, concern=concern).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            watch = RiskWatch.objects.create(
                organization_id=organization_id,
                episode_id=episode_id,
                concern=concern,
                raised_at=raised_at,
            )
    except IntegrityError:
        # The other path (response or alert) got there first; it queued the email.
        return RiskWatch.objects.get(episode_id=episode_id, concern=concern)
    enqueue_after_commit(mail.send_risk_email, watch.pk, "notice", organization_id=organization_id)
    return watch


# --- raised alerts -----------------------------------------------------------------------------


def on_alerts(alert_ids: list[int]) -> None:
    """New alerts: "new alert" for the episode's therapists; a risk alert makes sure its risk
    answer is watched and notified (the safety net if the response's own path failed) and goes
    out through the webhooks, content-free."""
    alerts = Alert.objects.filter(pk__in=alert_ids).select_related("episode")
    for alert in alerts:
        if not is_fresh(alert.raised):
            continue
        people = episode_staff(alert.episode_id)
        where = {
            "organization_id": alert.organization_id,
            "episode_id": alert.episode_id,
            "participant_id": alert.participant_id,
            "alert_id": alert.pk,
            "session_number": alert.session_number,
        }
        with transaction.atomic():
            if alert.kind == AlertKind.RISK:
                watch_risk(alert.organization_id, alert.episode_id, alert.concern, alert.raised)
                notify(people, Kind.RISK, alert.concern, **where)
                webhooks.queue(alert, webhooks.RISK_ANSWERED)
            else:
                notify(people, Kind.ALERT, f"alert:{alert.pk}", **where)


def unnotified_risk_alerts(now: dt.datetime | None = None) -> list[int]:
    """Fresh risk alerts with no watch: their notification was lost (a crash between commit and
    notice). Found by the periodic sweep in jobs.py."""
    now = now or timezone.now()
    watched = RiskWatch.objects.filter(episode=OuterRef("episode"), concern=OuterRef("concern"))
    since = now - FRESH
    recent = Q(raised_at__gte=since) | Q(raised_at__isnull=True, opened_at__gte=since)
    return list(
        Alert.objects.filter(recent, kind=AlertKind.RISK)
        .exclude(Exists(watched))
        .values_list("pk", flat=True)
    )


def risk_alerts_without_webhook(now: dt.datetime | None = None) -> list[Alert]:
    """Fresh risk alerts whose `risk.answered` webhook was never queued: the response path made
    the watch and the alert path failed before queueing it, so `unnotified_risk_alerts` (which
    looks for a missing watch) does not find them. The sweep queues them; deliveries are unique
    per endpoint, alert and event, so queueing twice sends once."""
    now = now or timezone.now()
    since = now - FRESH
    recent = Q(raised_at__gte=since) | Q(raised_at__isnull=True, opened_at__gte=since)
    queued = WebhookDelivery.objects.filter(alert=OuterRef("pk"), event=webhooks.RISK_ANSWERED)
    return list(Alert.objects.filter(recent, kind=AlertKind.RISK).exclude(Exists(queued)))


def unsent_risk_emails(now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Risk emails that should have gone out a while ago and have not (the queued job was lost
    or gave up): (watch, stage) pairs for the sweep to send now."""
    now = now or timezone.now()
    settled = now - dt.timedelta(minutes=2)
    recent = RiskWatch.objects.filter(raised_at__gte=now - FRESH)
    notices = recent.filter(notice_sent_at__isnull=True, raised_at__lte=settled)
    escalations = recent.filter(escalation_sent_at__isnull=True, escalated_at__lte=settled)
    return [(pk, "notice") for pk in notices.values_list("pk", flat=True)] + [
        (pk, "escalation") for pk in escalations.values_list("pk", flat=True)
    ]


# --- escalation --------------------------------------------------------------------------------


def escalation_recipients(episode_id: int, policy: Policy) -> list[User]:
    """The named duty clinician (if still an active member), else the supervisors of the episode's
    therapists, else the organization's admins: a risk answer is never left with nobody."""
    org = policy.organization_id
    if policy.escalate_to == EscalateTo.DUTY and policy.duty_clinician_id:
        # A deactivated account reads no email: then the supervisors or admins, as below.
        member = Membership.objects.filter(
            organization_id=org, user_id=policy.duty_clinician_id, user__is_active=True
        )
        if member.exists():
            return [policy.duty_clinician]  # type: ignore[list-item]
    therapists = [u.pk for u in episode_staff(episode_id)]
    supervisors = User.objects.filter(
        pk__in=Supervision.objects.filter(organization_id=org, therapist_id__in=therapists).values(
            "supervisor_id"
        ),
        is_active=True,
    ).exclude(pk__in=therapists)
    found = list(supervisors)
    if found:
        return found
    return list(
        User.objects.filter(
            memberships__organization_id=org, memberships__role=Role.ADMIN, is_active=True
        ).distinct()
    )


def risk_alert_of(watch: RiskWatch) -> Alert | None:
    return (
        Alert.objects.filter(episode_id=watch.episode_id, concern=watch.concern)
        .order_by("-pk")
        .first()
    )


def escalate_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate each risk answer nobody acknowledged within its organization's time; mark the
    acknowledged ones. Safe to run twice or on two workers at once: each watch is claimed by a
    conditional update before anything is written."""
    now = now or timezone.now()
    done = {"escalated": 0, "acknowledged": 0}
    policies: dict[int, Policy] = {}
    # Only watches still inside the longest escalation time an organization may set (and a day
    # to spare for a worker that was down): older ones, in organizations that turned escalation
    # off, would otherwise pile up in front of the rest.
    window = now - dt.timedelta(hours=MAX_ESCALATION_HOURS) - dt.timedelta(days=1)
    waiting = RiskWatch.objects.filter(
        acknowledged_at__isnull=True, escalated_at__isnull=True, raised_at__gte=window
    )
    for watch in waiting.order_by("raised_at")[:1000]:
        policy = policies.setdefault(watch.organization_id, policy_for(watch.organization_id))
        alert = risk_alert_of(watch)
        if alert is not None and alert.state != AlertState.OPEN:
            RiskWatch.objects.filter(pk=watch.pk).update(acknowledged_at=alert.updated_at)
            done["acknowledged"] += 1
            continue
        hours = policy.escalate_after_hours
        if hours and watch.raised_at <= now - dt.timedelta(hours=hours):
            done["escalated"] += escalate(watch, alert, policy, now)
    return done


def escalate(watch: RiskWatch, alert: Alert | None, policy: Policy, now: dt.datetime) -> int:
    """Hand one unacknowledged risk answer on; 1 if this call did it, 0 if another did."""
    with transaction.atomic():
        claimed = RiskWatch.objects.filter(
            pk=watch.pk, escalated_at__isnull=True, acknowledged_at__isnull=True
        ).update(escalated_at=now)
        if not claimed:
            return 0
        people = escalation_recipients(watch.episode_id, policy)
        watch.escalated_to.set(people)
        names = ", ".join(p.display_name for p in people) or "nobody (no one to escalate to)"
        if alert is not None:
            AlertEvent.objects.create(
                alert=alert,
                from_state=alert.state,
                to_state=alert.state,
                note=(
                    f"Escalated to {names}: not acknowledged within "
                    f"{policy.escalate_after_hours} hours."
                ),
            )
            webhooks.queue(alert, webhooks.RISK_ESCALATED)
        # The therapists hear it too (in the app): they learn who else now knows.
        therapists = [t for t in episode_staff(watch.episode_id) if t not in people]
        notify(
            people + therapists,
            Kind.ESCALATION,
            f"escalation:{watch.concern}",
            organization_id=watch.organization_id,
            episode_id=watch.episode_id,
            alert_id=alert.pk if alert else None,
            participant_id=alert.participant_id if alert else None,
            session_number=alert.session_number if alert else None,
        )
        enqueue_after_commit(
            mail.send_risk_email, watch.pk, "escalation", organization_id=watch.organization_id
        )
    logger.info("risk answer %s of episode %s escalated", watch.concern, watch.episode_id)
    return 1


# --- reading -----------------------------------------------------------------------------------


def unread_count(user: Any, organization_id: int) -> int:
    return Notification.objects.filter(
        recipient=user, organization_id=organization_id, read_at__isnull=True
    ).count()


def mark_read(user: Any, organization_id: int, episode_id: int | None = None) -> int:
    unread = Notification.objects.filter(
        recipient=user, organization_id=organization_id, read_at__isnull=True
    )
    if episode_id is not None:
        unread = unread.filter(episode_id=episode_id)
    return unread.update(read_at=timezone.now())

"""The emails: the content-free risk notice and its escalation, and the daily digest.

None of them names a client, a code, an answer or a reason: an email can be read on a shared
screen, forwarded, or kept by a mail provider the clinic has no agreement with. They say there
is something to see and link to the sign-in (docs/notifications.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import Organization, User
from alliance.jobs.runner import job

from .models import Kind, Notification, Policy, Preference, RiskWatch
from .people import episode_staff

# A claim older than this belongs to a worker that died while sending; it is taken over.
STALE_CLAIM = dt.timedelta(minutes=10)
STAGES = {
    "notice": ("notice_claimed_at", "notice_sent_at"),
    "escalation": ("escalation_claimed_at", "escalation_sent_at"),
}


def notifications_url() -> str:
    return settings.SITE_URL + reverse("notifications:list")


def wants_risk_email(people: list[User], organization_id: int) -> list[User]:
    """Those who keep the risk email on (the default), or everyone the organization requires."""
    policy = Policy.objects.filter(organization_id=organization_id).first()
    if policy is not None and policy.require_risk_email:
        return people
    off = set(
        Preference.objects.filter(
            organization_id=organization_id, user__in=people, risk_email=False
        ).values_list("user_id", flat=True)
    )
    return [p for p in people if p.pk not in off]


def risk_message(stage: str, clinic: str, to: list[str]) -> EmailMessage:
    if stage == "escalation":
        subject = _("%(clinic)s: a risk answer has not been acknowledged") % {"clinic": clinic}
        lead = _(
            "A client's answer to a risk question at %(clinic)s has not been acknowledged in "
            "time, and it has been passed on to you."
        ) % {"clinic": clinic}
    else:
        subject = _("%(clinic)s: a client of yours answered a risk question") % {"clinic": clinic}
        lead = _("A client of yours at %(clinic)s answered a risk question.") % {"clinic": clinic}
    body = "\n\n".join(
        [
            _("Hello,"),
            lead,
            _("Sign in to see it: %(link)s") % {"link": notifications_url()},
            _(
                "This email says nothing about the client on purpose. Please do not reply to it "
                "with client details."
            ),
        ]
    )
    # Blind copies: one message, so everyone gets it or nobody does and the retry sends it
    # again; and nobody learns who else works with the client.
    return EmailMessage(subject, body + "\n", None, [], bcc=to)


def recipients_for(watch: RiskWatch, stage: str) -> list[User]:
    """The therapists who keep the risk email on; for an escalation, everyone it went to: being
    the one a risk answer is escalated to is the organization's rule, not a personal choice."""
    if stage == "escalation":
        people = list(watch.escalated_to.all())
    else:
        people = wants_risk_email(episode_staff(watch.episode_id), watch.organization_id)
    return [p for p in people if p.email]


def deliver_risk_email(watch_id: int, stage: str) -> str:
    """Send one stage's email of one risk answer, once: claimed by a conditional update, sent,
    then marked sent. A send that fails gives the claim back and raises, so the job retries."""
    claimed_field, sent_field = STAGES[stage]
    now = timezone.now()
    claimable = Q(**{f"{claimed_field}__isnull": True}) | Q(
        **{f"{claimed_field}__lte": now - STALE_CLAIM}
    )
    claimed = (
        RiskWatch.objects.filter(pk=watch_id, **{f"{sent_field}__isnull": True})
        .filter(claimable)
        .update(**{claimed_field: now})
    )
    if not claimed:
        return "already sent or being sent"
    watch = RiskWatch.objects.select_related("organization").get(pk=watch_id)
    to = [p.email for p in recipients_for(watch, stage)]
    try:
        if to:
            risk_message(stage, watch.organization.name, to).send()
    except Exception:
        RiskWatch.objects.filter(pk=watch_id).update(**{claimed_field: None})
        raise
    RiskWatch.objects.filter(pk=watch_id).update(**{sent_field: timezone.now()})
    return f"sent to {len(to)}"


@job
def send_risk_email(watch_id: int, stage: str, *, organization_id: int | None) -> str:
    """The content-free risk email (stage "notice" to the therapists, "escalation" to whom it
    was escalated), exactly once per risk answer and stage."""
    return deliver_risk_email(watch_id, stage)


# --- the daily digest --------------------------------------------------------------------------

DIGEST_EVERY = dt.timedelta(hours=23)  # a little under a day, so a late run does not skip one


def digest_counts(user: Any, organization_id: int, since: dt.datetime) -> dict[str, int]:
    rows = (
        Notification.objects.filter(
            recipient=user, organization_id=organization_id, created_at__gt=since
        )
        .values("kind")
        .annotate(n=Count("pk"))
    )
    return {row["kind"]: row["n"] for row in rows}


def digest_message(clinic: str, counts: dict[str, int], to: str) -> EmailMessage:
    lines = [
        _("New check-ins: %(n)s") % {"n": counts.get(Kind.CHECKIN, 0)},
        _("New alerts: %(n)s") % {"n": counts.get(Kind.ALERT, 0)},
        _("Risk answers: %(n)s") % {"n": counts.get(Kind.RISK, 0)},
    ]
    if counts.get(Kind.ESCALATION):
        lines.append(_("Escalated to you: %(n)s") % {"n": counts[Kind.ESCALATION]})
    body = "\n\n".join(
        [
            _("Hello,"),
            _("Since your last summary from %(clinic)s:") % {"clinic": clinic},
            "\n".join(lines),
            _("Sign in to see them: %(link)s") % {"link": notifications_url()},
            _("You can turn this summary off on the same page."),
        ]
    )
    subject = _("%(clinic)s: your daily summary") % {"clinic": clinic}
    return EmailMessage(subject, body + "\n", None, [to])


def send_digests(now: dt.datetime | None = None) -> int:
    """Each person who asked for it gets one summary a day (counts and a link, no names);
    nothing when nothing happened. Claimed per person by a conditional update, so two runs
    never send it twice."""
    now = now or timezone.now()
    due = Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - DIGEST_EVERY)
    sent = 0
    for pref in Preference.objects.filter(due, digest_email=True).select_related("user"):
        since = pref.last_digest_at or now - dt.timedelta(days=1)
        if not Preference.objects.filter(due, pk=pref.pk).update(last_digest_at=now):
            continue
        counts = digest_counts(pref.user, pref.organization_id, since)
        if not sum(counts.values()) or not pref.user.email:
            continue
        clinic = Organization.objects.get(pk=pref.organization_id).name
        try:
            digest_message(clinic, counts, pref.user.email).send()
        except Exception:
            Preference.objects.filter(pk=pref.pk).update(last_digest_at=pref.last_digest_at)
            raise
        sent += 1
    return sent

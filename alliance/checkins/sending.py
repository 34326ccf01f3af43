"""Links that go out by themselves: what the measurement plan sends, to whom, when, and how.

The periodic functions in jobs.py call `schedule_due` and `schedule_reminders` with the time;
they only write `ScheduledLink` rows (unique per participant and slot, so a second run finds
them) and queue one job per row. The job (`deliver`, `remind`) checks its row under a lock, claims
the send as an effect (alliance.jobs.effects), makes the link and sends it with no lock held, and
marks it sent in one transaction, so a row is sent once even when two workers run the same job.
A message can only be sent twice if a worker dies after the gateway accepted it and before the
commit; the link in the first message then no longer works and the second one does
(docs/checkins.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from alliance.audit import trail
from alliance.care.models import CLIENT_ROLES, CareEpisode, Participant, Session, SessionStatus
from alliance.jobs import effects
from alliance.jobs.runner import enqueue_after_commit
from alliance.measures.models import current_instrument

from . import services, timing
from .models import (
    ACTIVE_STATES,
    PULSE_KEY,
    CheckinRequest,
    ContactPreferences,
    EpisodeCheckinSettings,
    LinkPurpose,
    MessageChannel,
    ScheduledLink,
    SendingSettings,
    SendPurpose,
    SendState,
    hash_token,
)

logger = logging.getLogger(__name__)

# Why a link was not sent, as the therapist reads it on the session page.
HOLD_REASONS = {
    "sending_off": _("Automatic sending is off for this episode."),
    "no_consent": _("The client has not agreed to receive check-in messages."),
    "in_person": _("Links for this client are given in person (channel: none)."),
    "no_email": _("There is no email address for this client."),
    "no_phone": _("There is no phone number for this client."),
    "link_given": _("A link was already given in person."),
    "answered": _("Everything due was already answered."),
    "session_off": _("The session was cancelled or missed."),
    "left": _("The client has left this episode."),
    "episode_closed": _("The episode is closed."),
    "stale": _("The link's moment passed too long ago to send it late."),
    "no_sms_gateway": _("No SMS gateway is configured, so text messages cannot be sent."),
}
# A queued job that has not run after this long (no worker was running) is queued again.
REQUEUE_AFTER = dt.timedelta(minutes=15)
SENDABLE_SESSION_STATES = (SessionStatus.SCHEDULED, SessionStatus.ATTENDED)


organization_zone = services.organization_zone


def sending_settings(organization: Any) -> SendingSettings:
    """The organization's row, or unsaved defaults (reading never writes)."""
    found = SendingSettings.objects.filter(organization=organization).first()
    return found or SendingSettings(organization=organization)


def contact_preferences(client: Any) -> ContactPreferences:
    found = ContactPreferences.objects.filter(client=client).first()
    return found or ContactPreferences(client=client)


def quiet_hours(prefs: ContactPreferences) -> timing.QuietHours:
    return timing.QuietHours(prefs.quiet_from, prefs.quiet_until)


def sms_gateway_missing() -> bool:
    """The console backend only writes to the log: in production (DEBUG off) a text "sent"
    through it would reach nobody, so such sends are held and the session page says why."""
    console = settings.SMS_BACKEND == "alliance.checkins.sms.ConsoleSmsBackend"
    return console and settings.ALLIANCE_ENV == "production" and not settings.DEBUG


# --- what is planned ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    session: Session
    participant: Participant
    purpose: str
    slot: str
    at: dt.datetime  # planned moment (the organization's zone)


def _clients(episode: CareEpisode) -> list[Participant]:
    return [
        p
        for p in episode.participants.all()
        if p.client_id is not None and p.role in CLIENT_ROLES and p.left_on is None
    ]


def _has_before_measures(session: Session, participant: Participant) -> bool:
    return any(
        d.participant.pk == participant.pk and d.timing == "before" and not d.answered
        for d in services.due_measures(session)
    )


def planned_for_session(
    session: Session,
    now: dt.datetime,
    offset_minutes: int | None,
    *,
    due_only: bool = False,
    known: frozenset[tuple[int, str]] = frozenset(),
) -> list[Planned]:
    """The pre-session link (when the plan asks something before this session and there is
    still time) and the session check-in, for each client taking part; with `due_only`, only
    those due at `now` (the periodic run: the plan is read only when something is due)."""
    zone = organization_zone(session.episode.organization)
    start = session.starts_at.astimezone(zone)
    local_now = now.astimezone(zone)
    found = []
    for participant in _clients(session.episode):
        pre = timing.pre_session_due(start, local_now)
        if pre is not None:
            planned = Planned(
                session, participant, SendPurpose.PRE_SESSION, f"pre:{session.pk}", pre
            )
            wanted = not due_only or _due_now(planned, now)
            # a row made earlier already knew the plan asked something (`known`)
            made = (participant.pk, planned.slot) in known
            if wanted and (made or _has_before_measures(session, participant)):
                found.append(planned)
        after = timing.session_checkin_due(start, session.duration_minutes, offset_minutes)
        planned = Planned(session, participant, SendPurpose.SESSION, f"s:{session.pk}", after)
        if not due_only or _due_now(planned, now):
            found.append(planned)
    return found


def _due_now(planned: Planned, now: dt.datetime) -> bool:
    if planned.purpose == SendPurpose.PRE_SESSION:
        return planned.at <= now < planned.session.starts_at - timing.PRE_SESSION_MIN_LEAD
    return timing.is_recent(planned.at, now)


def _candidate_sessions(now: dt.datetime) -> Any:
    """Sessions whose pre-session or check-in moment can fall in the window around `now`."""
    return (
        Session.objects.filter(
            starts_at__gte=now - timing.CATCH_UP - dt.timedelta(hours=12),
            starts_at__lte=now + dt.timedelta(days=2),
            status__in=SENDABLE_SESSION_STATES,
            episode__status="open",
        )
        .select_related("episode__organization", "episode__checkin_settings")
        .prefetch_related("episode__participants__client")
        .order_by("starts_at")
    )


def _automatic(episode: CareEpisode) -> bool:
    try:
        return bool(episode.checkin_settings.send_automatically)  # cached when prefetched
    except EpisodeCheckinSettings.DoesNotExist:
        return True  # the default


# --- the periodic part: rows and jobs -----------------------------------------------------------


def schedule_due(deliver_job: Any, now: dt.datetime | None = None) -> int:
    """Make a row for every link due now and queue `deliver_job` for it (jobs.py passes its
    job); returns how many jobs were queued. Safe to run twice: a row exists once per
    participant and slot."""
    now = now or timezone.now()
    offsets: dict[int, int | None] = {}
    queued = 0
    sessions = list(_candidate_sessions(now))
    # One read of the rows already made: a link sent or not needed costs no further query.
    rows = {
        (row.participant_id, row.slot): row
        for row in ScheduledLink.objects.filter(session__in=sessions).select_related(
            "session__episode__organization", "participant__client"
        )
    }
    for session in sessions:
        org = session.episode.organization
        if org.pk not in offsets:
            offsets[org.pk] = sending_settings(org).send_after_start_minutes
        due = planned_for_session(
            session, now, offsets[org.pk], due_only=True, known=frozenset(rows)
        )
        if due and _automatic(session.episode):
            for planned in due:
                row = rows.get((planned.participant.pk, planned.slot)) or _row_for(planned)
                queued += _queue(row, now, deliver_job)
    queued += _schedule_pulses(now, deliver_job)
    return queued


def _row_for(planned: Planned) -> ScheduledLink:
    client = planned.participant.client
    send_at = quiet_hours(contact_preferences(client)).after(planned.at)
    try:
        with transaction.atomic():
            row, _created = ScheduledLink.objects.get_or_create(
                participant=planned.participant,
                slot=planned.slot,
                defaults={
                    "session": planned.session,
                    "purpose": planned.purpose,
                    "planned_at": planned.at,
                    "send_at": send_at,
                },
            )
    except IntegrityError:  # a concurrent run made it first
        row = ScheduledLink.objects.get(participant=planned.participant, slot=planned.slot)
    return row


def _queue(row: ScheduledLink, now: dt.datetime, the_job: Any) -> int:
    """Queue the row's job when it is time (quiet hours over) and it is not queued already."""
    if row.state == SendState.HELD and blocker(row) is None:
        row.state, row.held_reason = SendState.WAITING, ""  # e.g. consent recorded since
        row.queued_at = None
        row.save(update_fields=["state", "held_reason", "queued_at"])
    if row.state != SendState.WAITING:
        return 0
    if row.send_at > now:
        _follow_quiet_hours(row, now)  # they may have changed since the row was made
    if row.send_at > now:
        reason = blocker(row)
        if reason is not None:  # say why now, not when the quiet hours end
            with transaction.atomic():
                _hold(row, reason)
        return 0
    if row.queued_at is not None and now - row.queued_at < REQUEUE_AFTER:
        return 0
    claimed = ScheduledLink.objects.filter(pk=row.pk, queued_at=row.queued_at).update(queued_at=now)
    if not claimed:
        return 0  # another run queued it a moment ago
    organization_id = row.session.episode.organization_id
    enqueue_after_commit(the_job, row.pk, organization_id=organization_id)
    return 1


def _follow_quiet_hours(row: ScheduledLink, now: dt.datetime) -> None:
    zone = organization_zone(row.session.episode.organization)
    prefs = contact_preferences(row.participant.client)
    # From now when the planned moment passed: a row moved past the quiet hours at send time
    # (deliver) must not be pulled back into them.
    send_at = quiet_hours(prefs).after(max(row.planned_at, now).astimezone(zone))
    if send_at != row.send_at:
        row.send_at = send_at
        row.save(update_fields=["send_at"])


def _schedule_pulses(now: dt.datetime, deliver_job: Any) -> int:
    queued = 0
    episodes = CareEpisode.objects.filter(
        status="open", checkin_settings__pulse_every_days__gt=0
    ).select_related("organization", "checkin_settings")
    for episode in episodes:
        every = episode.checkin_settings.pulse_every_days
        last = (
            episode.sessions.filter(starts_at__lte=now, status__in=SENDABLE_SESSION_STATES)
            .order_by("-starts_at")
            .first()
        )
        if last is None:
            continue
        upcoming = episode.sessions.filter(
            starts_at__gt=now, status=SessionStatus.SCHEDULED
        ).order_by("starts_at")
        following = upcoming.first()
        # On the clinic's clock, like session messages: the quiet hours are local times.
        zone = organization_zone(episode.organization)
        end = (last.starts_at + dt.timedelta(minutes=last.duration_minutes)).astimezone(zone)
        slot = timing.pulse_due(end, every, now, following.starts_at if following else None)
        if slot is None:
            continue
        for participant in _clients(episode):
            planned = Planned(
                last, participant, SendPurpose.PULSE, f"p:{last.pk}:{slot.number}", slot.due
            )
            queued += _queue(_row_for(planned), now, deliver_job)
    return queued


def schedule_reminders(remind_job: Any, now: dt.datetime | None = None) -> int:
    """Queue `remind_job` once for each sent link still unanswered after the organization's
    reminder time."""
    now = now or timezone.now()
    rows = ScheduledLink.objects.filter(
        state=SendState.SENT,
        reminded_at__isnull=True,
        request__state__in=ACTIVE_STATES,
        request__expires_at__gt=now,
        sent_at__gte=now - dt.timedelta(days=8),
    ).select_related("session__episode__organization", "participant__client")
    hours: dict[int, int] = {}
    queued = 0
    for row in rows:
        org = row.session.episode.organization
        if org.pk not in hours:
            hours[org.pk] = sending_settings(org).reminder_hours
        if not hours[org.pk] or row.sent_at is None:
            continue
        due = row.sent_at + dt.timedelta(hours=hours[org.pk])
        due = quiet_hours(contact_preferences(row.participant.client)).after(
            due.astimezone(organization_zone(org))
        )
        if due > now:
            continue
        if row.reminder_queued_at is not None and now - row.reminder_queued_at < REQUEUE_AFTER:
            continue
        claimed = ScheduledLink.objects.filter(
            pk=row.pk, reminder_queued_at=row.reminder_queued_at
        ).update(reminder_queued_at=now)
        if claimed:
            enqueue_after_commit(remind_job, row.pk, organization_id=org.pk)
            queued += 1
    return queued


# --- the job's part: one row, sent once ---------------------------------------------------------


def hold_reason(row: ScheduledLink) -> str | None:
    """Why this row must not be sent now, or None."""
    session = row.session
    if session.status not in SENDABLE_SESSION_STATES:
        return "session_off"
    if not session.episode.is_open:
        return "episode_closed"
    left_on = row.participant.left_on
    if left_on is not None and left_on <= timezone.localdate():
        return "left"
    if not _automatic(session.episode) and row.purpose != SendPurpose.PULSE:
        return "sending_off"
    client = row.participant.client
    prefs = contact_preferences(client)
    if prefs.channel == MessageChannel.NONE:
        return "in_person"
    if not prefs.consent:
        return "no_consent"
    if prefs.channel == MessageChannel.EMAIL and not client.email:
        return "no_email"
    if prefs.channel == MessageChannel.SMS and not client.phone:
        return "no_phone"
    if prefs.channel == MessageChannel.SMS and sms_gateway_missing():
        return "no_sms_gateway"
    return None


def blocker(row: ScheduledLink) -> str | None:
    """Why the row cannot go out now: a hold reason, a moment long past (a job run late, the
    same rule as when scheduling), or a link given in person that is still open (re-checked on
    each run, so the row goes out once that link is closed unanswered)."""
    reason = hold_reason(row)
    if reason is None and timezone.now() - row.send_at > timing.CATCH_UP:
        return "stale"
    if reason is None and row.purpose != SendPurpose.PULSE and _given_in_person(row):
        return "link_given"
    return reason


def _instruments(row: ScheduledLink) -> list[Any]:
    if row.purpose == SendPurpose.PULSE:
        pulse = current_instrument(PULSE_KEY)
        return [pulse] if pulse else []
    due = [
        d
        for d in services.due_measures(row.session)
        if d.participant.pk == row.participant_id and not d.answered
    ]
    if row.purpose == SendPurpose.PRE_SESSION:
        due = [d for d in due if d.timing == "before"]
    return [d.instrument for d in due]


def _given_in_person(row: ScheduledLink) -> bool:
    """An active link staff made by hand (the QR code in the room): never replaced by one
    sent automatically, which would cancel the form the client may have open."""
    return CheckinRequest.objects.filter(
        session=row.session,
        participant=row.participant,
        state__in=ACTIVE_STATES,
        purpose=LinkPurpose.SESSION,
        created_by__isnull=False,
        expires_at__gt=timezone.now(),
    ).exists()


def _hold(row: ScheduledLink, reason: str, state: str = SendState.HELD) -> str:
    before = trail.snapshot(row)
    row.state, row.held_reason = state, reason
    row.save(update_fields=["state", "held_reason"])
    trail.record_update(row, before)
    return state


def _wait_for_quiet_hours(row: ScheduledLink) -> bool:
    """A job run late (no worker for a while) must not text a client at night: when now is in
    their quiet hours, the row waits until they end and the periodic run queues it again."""
    zone = organization_zone(row.session.episode.organization)
    now = timezone.now().astimezone(zone)
    if now <= row.send_at:
        return False  # on time: the quiet hours were followed when send_at was set
    send_at = quiet_hours(contact_preferences(row.participant.client)).after(now)
    if send_at == now:
        return False
    before = trail.snapshot(row)
    row.send_at, row.queued_at = send_at, None
    row.save(update_fields=["send_at", "queued_at"])
    trail.record_update(row, before)
    return True


def _locked(pk: int) -> ScheduledLink | None:
    return (
        ScheduledLink.objects.select_for_update(of=("self",))
        .select_related("session__episode__organization", "participant__client")
        .filter(pk=pk)
        .first()
    )


def deliver(pk: int) -> str:
    """Make the row's link and send it, once. Returns what happened (for the jobs page).

    No lock is held while the message goes out (an SMTP exchange or a gateway call can take
    seconds; on SQLite a held write lock would stop every page): the send is claimed as an
    effect (alliance.jobs.effects), the link made, the message sent, and the claim marked done
    in the transaction that records it."""
    with transaction.atomic():
        row = _locked(pk)
        if row is None or row.state != SendState.WAITING:
            return "nothing to do"
        reason = blocker(row)
        if reason is not None:
            return _hold(row, reason)
        if _wait_for_quiet_hours(row):
            return "waiting for the client's quiet hours to end"
        instruments = _instruments(row)
        if not instruments:
            return _hold(row, "answered", SendState.NOT_NEEDED)
    key = f"scheduled-link:{row.pk}"
    if not effects.claim(key):
        return "already sent"
    purpose = LinkPurpose.PULSE if row.purpose == SendPurpose.PULSE else LinkPurpose.SESSION
    issued = services.issue_link(
        row.session, row.participant, by=None, instruments=instruments, purpose=purpose
    )
    assert issued is not None  # instruments were given
    checkin, token = issued
    channel = contact_preferences(row.participant.client).channel
    to = _send_or_release(key, checkin, token, channel, row.purpose)
    with transaction.atomic():
        effects.done(key)
        services.record_sent(checkin, channel, to)
        before = trail.snapshot(row)
        row.state, row.channel, row.request = SendState.SENT, channel, checkin
        row.sent_at = timezone.now()
        row.save(update_fields=["state", "channel", "request", "sent_at"])
        trail.record_update(row, before)
    return "sent"


def _send_or_release(
    key: str, checkin: CheckinRequest, token: str, channel: str, kind: str, **kw: Any
) -> str:
    """Through the client's channel, in the client's language; a refused message releases the
    claim and closes the link it carried (nobody holds it), so the retry starts afresh."""
    lang = checkin.participant.client.language or settings.LANGUAGE_CODE
    try:
        with translation.override(lang):
            if channel == MessageChannel.SMS:
                return services.text_link_now(checkin, token, kind, **kw)
            return services.email_link_now(checkin, token, kind, **kw)
    except Exception:
        effects.release(key)
        if not kw.get("reminder"):
            services.cancel(checkin)
        raise


def remind(pk: int) -> str:
    """One reminder with a second token for the same link (both messages open it)."""
    with transaction.atomic():
        row = _locked(pk)
        if row is None or row.state != SendState.SENT or row.reminded_at is not None:
            return "nothing to do"
        checkin = CheckinRequest.objects.filter(pk=row.request_id).first()
        if checkin is None or not checkin.is_active:
            return "answered or closed"
        reason = hold_reason(row)
        if reason is not None:
            return "held: " + reason
    key = f"scheduled-reminder:{row.pk}"
    if not effects.claim(key):
        return "already reminded"
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        before = trail.snapshot(checkin)
        checkin.reminder_token_hash = hash_token(token)
        checkin.save(update_fields=["reminder_token_hash"])
        trail.record_update(checkin, before)
    # The client's current choice (hold_reason checked its consent and address), not the one
    # recorded at the first send: they may have switched from text to email since.
    channel = contact_preferences(row.participant.client).channel
    to = _send_or_release(key, checkin, token, channel, row.purpose, reminder=True)
    with transaction.atomic():
        effects.done(key)
        before = trail.snapshot(checkin)
        checkin.reminded_at = timezone.now()
        checkin.save(update_fields=["reminded_at"])
        trail.record_update(checkin, before)
        services.record_sent(checkin, channel, to)
        row.reminded_at = checkin.reminded_at
        row.save(update_fields=["reminded_at"])
    return "reminded"


# --- what staff see -----------------------------------------------------------------------------


@dataclass
class LinkStatus:
    """One line of "Links that go out by themselves" on the session page."""

    participant: Participant
    purpose: str
    label: str
    when: dt.datetime | None
    state: str  # scheduled / waiting / sent / opened / answered / reminded / expired / held …
    detail: str = ""


def _purpose_label(purpose: str) -> str:
    return str(SendPurpose(purpose).label)


@dataclass
class _Readings:
    """The organization's sending settings and each client's contact preferences, read once for
    all the sessions one page shows (the episode page shows two)."""

    offsets: dict[int, int | None] = field(default_factory=dict)
    holds: dict[int, str] = field(default_factory=dict)

    def offset(self, organization: Any) -> int | None:
        if organization.pk not in self.offsets:
            found = sending_settings(organization).send_after_start_minutes
            self.offsets[organization.pk] = found
        return self.offsets[organization.pk]

    def hold(self, participant: Participant) -> str:
        if participant.pk not in self.holds:
            self.holds[participant.pk] = _preview_hold(participant)
        return self.holds[participant.pk]


def _scheduled_rows(sessions: Sequence[Session]) -> list[ScheduledLink]:
    return list(
        ScheduledLink.objects.filter(session__in=sessions)
        .select_related("request", "participant__client")
        .order_by("planned_at", "pk")
    )


def session_statuses(
    session: Session,
    now: dt.datetime | None = None,
    readings: _Readings | None = None,
    rows: list[ScheduledLink] | None = None,
) -> list[LinkStatus]:
    """Planned, sent and held links of a session, in the words a therapist reads. `rows` are
    the session's links when the caller has read them already (with other sessions')."""
    now = now or timezone.now()
    readings = readings or _Readings()
    if rows is None:
        rows = _scheduled_rows([session])
    found = [_status_of(row, now) for row in rows]
    made = {(row.participant_id, row.slot) for row in rows}
    episode = session.episode
    if not (episode.is_open and _automatic(episode) and session.status in SENDABLE_SESSION_STATES):
        return found
    offset = readings.offset(session.episode.organization)
    for planned in planned_for_session(session, now, offset):
        if (planned.participant.pk, planned.slot) in made or planned.at < now:
            continue
        found.append(
            LinkStatus(
                planned.participant,
                planned.purpose,
                _purpose_label(planned.purpose),
                planned.at,
                "scheduled",
                readings.hold(planned.participant),
            )
        )
    return sorted(found, key=lambda s: (s.when or now, s.participant.pk))


def _preview_hold(participant: Participant) -> str:
    """Said beside a planned link that will not go out as things stand."""
    prefs = contact_preferences(participant.client)
    client = participant.client
    if prefs.channel == MessageChannel.NONE:
        return str(HOLD_REASONS["in_person"])
    if not prefs.consent:
        return str(HOLD_REASONS["no_consent"])
    if prefs.channel == MessageChannel.EMAIL and not client.email:
        return str(HOLD_REASONS["no_email"])
    if prefs.channel == MessageChannel.SMS and not client.phone:
        return str(HOLD_REASONS["no_phone"])
    return ""


def _status_of(row: ScheduledLink, now: dt.datetime) -> LinkStatus:
    label = _purpose_label(row.purpose)
    if row.state == SendState.WAITING:
        waiting = row.send_at > row.planned_at and row.send_at > now
        detail = str(_("Waiting for the client's quiet hours to end.")) if waiting else ""
        return LinkStatus(row.participant, row.purpose, label, row.send_at, "waiting", detail)
    if row.state in (SendState.HELD, SendState.NOT_NEEDED):
        detail = str(HOLD_REASONS.get(row.held_reason, ""))
        state = "held" if row.state == SendState.HELD else "not needed"
        return LinkStatus(row.participant, row.purpose, label, row.planned_at, state, detail)
    checkin = row.request
    state, when = "sent", row.sent_at
    if checkin is not None:
        if checkin.state == "completed":
            state, when = "answered", checkin.completed_at
        elif checkin.state == "cancelled":
            state = "replaced"
        elif checkin.expires_at <= now or checkin.state == "expired":
            state, when = "expired", checkin.expires_at
        elif checkin.state == "opened" and (
            checkin.reminded_at is None or checkin.opened_at >= checkin.reminded_at
        ):
            state, when = "opened", checkin.opened_at
        elif checkin.reminded_at:
            state, when = "reminded", checkin.reminded_at
    channel = str(MessageChannel(row.channel).label) if row.channel else ""
    return LinkStatus(row.participant, row.purpose, label, when, state, channel)


def episode_overview(
    episode: CareEpisode,
    now: dt.datetime | None = None,
    sessions: Sequence[Session] | None = None,
) -> list[Any]:
    """The link states of the latest session that started and the next one, for the episode
    page: [(session, [LinkStatus, …]), …], sessions without any state left out. The episode page
    passes the sessions it has already read; without them the two are read here."""
    now = now or timezone.now()
    if sessions is None:
        rows = episode.sessions.exclude(status__in=("cancelled", "no_show"))
        latest = rows.filter(starts_at__lte=now).order_by("-starts_at").first()
        following = rows.filter(starts_at__gt=now).order_by("starts_at").first()
    else:
        held = [s for s in sessions if s.status not in ("cancelled", "no_show")]
        started = [s for s in held if s.starts_at <= now]
        coming = [s for s in held if s.starts_at > now]
        latest = max(started, key=lambda s: (s.starts_at, s.number)) if started else None
        following = min(coming, key=lambda s: (s.starts_at, s.number)) if coming else None
    shown = [s for s in (latest, following) if s is not None]
    links: dict[int, list[ScheduledLink]] = {s.pk: [] for s in shown}
    for row in _scheduled_rows(shown) if shown else []:
        links[row.session_id].append(row)
    found = []
    readings = _Readings()
    for session in shown:
        statuses = session_statuses(session, now, readings, links[session.pk])
        if statuses:
            found.append((session, statuses))
    return found

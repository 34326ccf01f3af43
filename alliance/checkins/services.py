"""What the check-in views do, as plain functions: plans, due measures, links, responses, email.

Every create and change is audited through alliance.audit.trail. Tokens exist only in memory
between being made and being shown or sent; only their SHA-256 is stored or audited.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from alliance.audit import trail
from alliance.audit.models import Action
from alliance.care.models import (
    CLIENT_ROLES,
    CareEpisode,
    EpisodeFormat,
    Participant,
    ParticipantRole,
    Session,
)
from alliance.measures.models import Instrument, current_instruments
from alliance.measures.scoring import normalise_answers, score
from alliance.prepared import PreparedLookup

from . import sms
from .models import (
    ACTIVE_STATES,
    CONJOINT_OUTCOME_EVERY_N,
    PULSE_KEY,
    TOKEN_RE,
    Channel,
    CheckinRequest,
    CheckinRequestItem,
    CheckinState,
    ClinicPlanEntry,
    EpisodeCheckinSettings,
    EpisodePlanEntry,
    LinkPurpose,
    Respondent,
    Response,
    Schedule,
    Timing,
    default_expiry,
    hash_token,
)
from .signals import answers_changed, response_stored

CLIENT_FORM = "alliance-checkin-client"
CONJOINT_FORM = "alliance-checkin-conjoint"
THERAPIST_FORM = "alliance-checkin-therapist"
INTERPRETER_FORM = "alliance-checkin-interpreter"

# The default plan of a new organization (docs/checkins.md). For couple, family and group
# episodes the client alliance form is swapped for the conjoint one when the plan is copied.
DEFAULT_PLAN: tuple[dict[str, Any], ...] = (
    {
        "instrument_key": CLIENT_FORM,
        "respondent": Respondent.CLIENT,
        "schedule": Schedule.EVERY_SESSION,
        "timing": Timing.AFTER,
    },
    {
        "instrument_key": THERAPIST_FORM,
        "respondent": Respondent.THERAPIST,
        "schedule": Schedule.EVERY_SESSION,
        "timing": Timing.AFTER,
    },
    {
        "instrument_key": INTERPRETER_FORM,
        "respondent": Respondent.INTERPRETER,
        "schedule": Schedule.EVERY_SESSION,
        "timing": Timing.AFTER,
    },
    {
        "instrument_key": "phq-9",
        "respondent": Respondent.CLIENT,
        # every session: expected recovery curves judge each session against clients who
        # started alike, and need the points (docs/alert-rules.md); a clinic may change it
        "schedule": Schedule.EVERY_SESSION,
        "timing": Timing.BEFORE,
    },
    {
        "instrument_key": "gad-7",
        "respondent": Respondent.CLIENT,
        # every session: expected recovery curves judge each session against clients who
        # started alike, and need the points (docs/alert-rules.md); a clinic may change it
        "schedule": Schedule.EVERY_SESSION,
        "timing": Timing.BEFORE,
    },
)
PLAN_FIELDS = ("instrument_key", "respondent", "schedule", "every_n", "timing")

logger = logging.getLogger(__name__)


# --- plans -------------------------------------------------------------------------------------


def clinic_plan(organization: Any) -> list[ClinicPlanEntry]:
    """The organization's default plan, created from DEFAULT_PLAN the first time it is needed."""
    rows = list(ClinicPlanEntry.objects.filter(organization=organization))
    if rows:
        return rows
    with transaction.atomic():
        for spec in DEFAULT_PLAN:
            ClinicPlanEntry.objects.get_or_create(
                organization=organization,
                instrument_key=spec["instrument_key"],
                respondent=spec["respondent"],
                defaults=spec,
            )
    return list(ClinicPlanEntry.objects.filter(organization=organization))


def copy_clinic_plan(episode: CareEpisode) -> list[EpisodePlanEntry]:
    """Give an episode its own plan, copied from its organization's default."""
    with transaction.atomic():
        for row in clinic_plan(episode.organization):
            fields = plan_fields_for(row, episode)
            EpisodePlanEntry.objects.get_or_create(
                episode=episode,
                instrument_key=fields["instrument_key"],
                respondent=fields["respondent"],
                defaults=fields,
            )
    return list(EpisodePlanEntry.objects.filter(episode=episode))


def effective_clinic_plan(organization: Any) -> list[ClinicPlanEntry]:
    """The organization's plan as it applies now, without writing: its rows, or the default
    plan as unsaved rows when it has none yet. For pages that only read."""
    rows = list(ClinicPlanEntry.objects.filter(organization=organization))
    return rows or [ClinicPlanEntry(organization=organization, **spec) for spec in DEFAULT_PLAN]


def episode_plan(episode: CareEpisode) -> list[EpisodePlanEntry]:
    """The episode's plan as it applies now, without writing.

    Reads happen on pages anyone who may see the episode opens (a supervisor, an admin with
    clinical access); a read must not create rows, so an episode without its own rows (one made
    in bulk, or a plan emptied by hand) gets its clinic's plan as unsaved rows. The copy is
    made only where the plan is changed (copy_clinic_plan)."""
    rows = list(EpisodePlanEntry.objects.filter(episode=episode))
    if rows:
        return rows
    return [
        EpisodePlanEntry(episode=episode, **plan_fields_for(row, episode))
        for row in effective_clinic_plan(episode.organization)
    ]


def plan_fields_for(row: ClinicPlanEntry, episode: CareEpisode) -> dict[str, Any]:
    """A clinic plan row as it applies to one episode: couple, family and group episodes ask
    the conjoint alliance form, and the outcome measures every 4 sessions where the clinic
    plan says every session (models.EVERY_SESSION_IN_INDIVIDUAL_ONLY)."""
    fields = {name: getattr(row, name) for name in PLAN_FIELDS}
    if episode.format == EpisodeFormat.INDIVIDUAL:
        return fields
    if fields["instrument_key"] == CLIENT_FORM:
        fields["instrument_key"] = CONJOINT_FORM
    if row.every_session_in_individual_only:
        fields |= {"schedule": Schedule.EVERY_N, "every_n": CONJOINT_OUTCOME_EVERY_N}
    return fields


def episode_settings(episode: CareEpisode) -> EpisodeCheckinSettings:
    """The episode's check-in switches; unsaved defaults when none were stored (no write)."""
    found = _EPISODE_SETTINGS.first(episode=episode.pk)
    if isinstance(found, EpisodeCheckinSettings):
        return found
    return EpisodeCheckinSettings(episode=episode)


# Read on every client's thank-you page (alliance/prepared.py).
_EPISODE_SETTINGS = PreparedLookup(
    lambda episode: EpisodeCheckinSettings.objects.filter(episode_id=episode)[:1], episode=int
)


# --- what is due -------------------------------------------------------------------------------


def respondent_of(participant: Participant) -> str:
    if participant.role in CLIENT_ROLES:
        return Respondent.CLIENT
    if participant.role == ParticipantRole.INTERPRETER:
        return Respondent.INTERPRETER
    return Respondent.THERAPIST


@dataclass
class Due:
    participant: Participant
    instrument: Instrument
    timing: str
    answered: bool


def due_measures(session: Session) -> list[Due]:
    """Every (participant, instrument) the episode's plan asks for at this session, in the order
    they are asked: 'before' measures first, then 'after' ones."""
    participants = [p for p in session.episode.participants.all() if p.left_on is None]
    answered = set(
        Response.objects.filter(session=session).values_list("participant_id", "instrument_key")
    )
    result = []
    plan = episode_plan(session.episode)
    # Unsaved rows have no pk: keep the plan's own order within 'before' and 'after'.
    ordered = sorted(enumerate(plan), key=lambda pair: (pair[1].timing != "before", pair[0]))
    due = [entry for _index, entry in ordered if entry.is_due(session.number)]
    instruments = current_instruments(entry.instrument_key for entry in due)
    for entry in due:
        instrument = instruments.get(entry.instrument_key)
        if instrument is None:
            continue
        for p in participants:
            if respondent_of(p) == entry.respondent:
                done = (p.pk, entry.instrument_key) in answered
                result.append(Due(p, instrument, entry.timing, done))
    return result


def open_measures(session: Session, participant: Participant) -> list[Instrument]:
    return [
        d.instrument
        for d in due_measures(session)
        if d.participant.pk == participant.pk and not d.answered
    ]


# --- links -------------------------------------------------------------------------------------


def link_path(token: str) -> str:
    return reverse("checkins:client", args=[token])


def link_url(token: str) -> str:
    return settings.SITE_URL + link_path(token)


def issue_link(
    session: Session,
    participant: Participant,
    *,
    by: Any,
    instruments: Iterable[Instrument] | None = None,
    purpose: str = LinkPurpose.SESSION,
) -> tuple[CheckinRequest, str] | None:
    """A new single-use link for everything this participant still has to answer; an earlier
    active link for the same participant, session and purpose is cancelled, so only the newest
    works (a pulse never cancels the session's own check-in, nor the other way round)."""
    chosen = list(instruments) if instruments is not None else open_measures(session, participant)
    if not chosen:
        return None
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        for old in CheckinRequest.objects.select_for_update().filter(
            session=session, participant=participant, state__in=ACTIVE_STATES, purpose=purpose
        ):
            set_state(old, CheckinState.CANCELLED)
        checkin = CheckinRequest.objects.create(
            session=session,
            participant=participant,
            token_hash=hash_token(token),
            expires_at=default_expiry(session.episode.organization),
            created_by=by,
            purpose=purpose,
        )
        for pos, instrument in enumerate(chosen, 1):
            CheckinRequestItem.objects.create(request=checkin, instrument=instrument, position=pos)
        trail.record_create(checkin)
    return checkin, token


def set_state(checkin: CheckinRequest, state: str, **stamps: Any) -> None:
    before = trail.snapshot(checkin)
    checkin.state = state
    for name, value in stamps.items():
        setattr(checkin, name, value)
    checkin.save(update_fields=["state", *stamps])
    trail.record_update(checkin, before)


def _link_by_hash(token_hash: str) -> Any:
    return (
        CheckinRequest.objects.select_related(
            "session__episode__organization", "participant__client", "participant__user"
        )
        # Every client page names the therapist: read with the link, not in a query of its own.
        .annotate(therapist_name=Subquery(_therapist_names().values("user__first_name")[:1]))
        .filter(Q(token_hash=token_hash) | Q(reminder_token_hash=token_hash))[:1]
    )


def _therapist_names() -> Any:
    return Participant.objects.filter(
        episode=OuterRef("session__episode"), role=ParticipantRole.THERAPIST, user__isnull=False
    ).order_by("pk")


# Every client page starts with this lookup; compiled once per process (alliance/prepared.py).
_LINK = PreparedLookup(_link_by_hash, token_hash=str)


def find_request(token: str) -> CheckinRequest | None:
    """The request a token belongs to, whatever its state; None for a malformed or unknown one."""
    if not TOKEN_RE.match(token or ""):
        return None
    found = _LINK.first(token_hash=hash_token(token))
    if found is None:
        return None
    assert isinstance(found, CheckinRequest)
    found.session.episode._therapist_first_name = found.therapist_name or ""  # type: ignore[attr-defined]
    return found


def usable_request(token: str) -> CheckinRequest | None:
    """The request if its link may still be answered; an overdue one is marked expired."""
    checkin = find_request(token)
    if checkin is None or checkin.state not in ACTIVE_STATES:
        return None
    if checkin.expires_at <= timezone.now():
        with transaction.atomic():
            set_state(checkin, CheckinState.EXPIRED)
        return None
    return checkin


def mark_opened(checkin: CheckinRequest) -> None:
    if checkin.state == CheckinState.PENDING:
        with transaction.atomic():
            set_state(checkin, CheckinState.OPENED, opened_at=timezone.now())


def cancel(checkin: CheckinRequest) -> None:
    if checkin.state in ACTIVE_STATES:
        with transaction.atomic():
            set_state(checkin, CheckinState.CANCELLED)


def therapist_first_name(episode: CareEpisode) -> str:
    """The first name a client knows their therapist by; kept on the episode object, so the
    several blocks of one client page that name the therapist read it once, in one query."""
    if not hasattr(episode, "_therapist_first_name"):
        episode._therapist_first_name = _first_therapist_name(episode)  # type: ignore[attr-defined]
    return episode._therapist_first_name or _("your therapist")  # type: ignore[attr-defined]


def _first_therapist_name(episode: CareEpisode) -> str:
    if "participants" in getattr(episode, "_prefetched_objects_cache", {}):
        for p in episode.participants.all():
            if p.role == ParticipantRole.THERAPIST and p.user_id:
                return str(p.user.first_name)
        return ""
    found = (
        episode.participants.filter(role=ParticipantRole.THERAPIST, user__isnull=False)
        .values_list("user__first_name", flat=True)
        .first()
    )
    return found or ""


def recipient_email(participant: Participant) -> str:
    if participant.client_id:
        return participant.client.email
    return participant.user.email if participant.user_id else ""


# What each kind of message asks, by purpose (a link's own purpose, or "pre_session").
EMAIL_SUBJECTS = {
    "session": _lazy("%(clinic)s: how was your session?"),
    "pre_session": _lazy("%(clinic)s: a few questions before your session"),
    "pulse": _lazy("%(clinic)s: how have things been since your last session?"),
}
EMAIL_ASKS = {
    "session": _lazy("%(therapist)s at %(clinic)s asks you to rate your session."),
    "pre_session": _lazy(
        "Before your session on %(session_day)s, %(therapist)s at %(clinic)s asks you a few "
        "questions."
    ),
    "pulse": _lazy(
        "%(therapist)s at %(clinic)s asks one question: how have things been since your last "
        "session?"
    ),
}


def organization_zone(organization: Any) -> dt.tzinfo:
    """The clinic's time zone (Settings), else the server's: messages and schedules use it."""
    name = getattr(organization, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def message_context(checkin: CheckinRequest, token: str) -> dict[str, str]:
    episode = checkin.session.episode
    zone = organization_zone(episode.organization)
    return {
        "clinic": episode.organization.name,
        "therapist": therapist_first_name(episode),
        "link": link_url(token),
        "expires": timezone.localtime(checkin.expires_at, zone).strftime("%Y-%m-%d %H:%M"),
        "session_day": timezone.localtime(checkin.session.starts_at, zone).strftime(
            "%Y-%m-%d %H:%M"
        ),
    }


def link_email(
    checkin: CheckinRequest, token: str, kind: str = "session", reminder: bool = False
) -> tuple[str, str, str]:
    """The email that carries a check-in link, in the active language: (to, subject, body).
    Sent by the worker (checkins/jobs.py), never inside a page's request."""
    to = recipient_email(checkin.participant)
    if not to:
        raise ValueError("no email address")
    context = message_context(checkin, token)
    asks = str(EMAIL_ASKS.get(kind, EMAIL_ASKS["session"])) % context
    if reminder:
        asks = _("A reminder: %(asks)s") % {"asks": asks}
    body = _(
        "Hello,\n\n"
        "%(asks)s It takes a minute or two:\n\n"
        "%(link)s\n\n"
        "The link works once and until %(expires)s. If it has expired, ask %(therapist)s for a "
        "new one.\n\n"
        "Your answers go only to %(clinic)s. Please do not forward this email.\n"
    ) % {**context, "asks": asks}
    subject = str(EMAIL_SUBJECTS.get(kind, EMAIL_SUBJECTS["session"])) % context
    return to, subject, body


def link_text_message(
    checkin: CheckinRequest, token: str, kind: str = "session", reminder: bool = False
) -> str:
    """The SMS: short, the clinic's name first, no clinical words."""
    context = message_context(checkin, token)
    asks = str(EMAIL_ASKS.get(kind, EMAIL_ASKS["session"])) % context
    if reminder:
        asks = _("A reminder: %(asks)s") % {"asks": asks}
    return _("%(asks)s %(link)s (works once, until %(expires)s)") % {**context, "asks": asks}


def send_link_email(
    checkin: CheckinRequest, token: str, kind: str = "session", reminder: bool = False
) -> str:
    """Send the link by email now; returns the address. The audit records the send, not the
    link. Pages queue checkins.jobs.send_link_email instead, which calls this once."""
    to = email_link_now(checkin, token, kind, reminder)
    with transaction.atomic():
        record_sent(checkin, "email", to)
    return to


def email_link_now(
    checkin: CheckinRequest, token: str, kind: str = "session", reminder: bool = False
) -> str:
    """Only the sending (no record): for jobs that record it with their own claim."""
    to, subject, body = link_email(checkin, token, kind, reminder)
    send_mail(subject, body, None, [to])
    return to


def text_link_now(
    checkin: CheckinRequest, token: str, kind: str = "session", reminder: bool = False
) -> str:
    """Send the link as a text message through settings.SMS_BACKEND; returns the number."""
    to = checkin.participant.client.phone if checkin.participant.client_id else ""
    if not to:
        raise ValueError("no phone number")
    sms.send(to, link_text_message(checkin, token, kind, reminder))
    return to


def record_email_sent(checkin: CheckinRequest, to: str) -> None:
    """Call inside a transaction; the acting context names who asked for the email."""
    record_sent(checkin, "email", to)


def record_sent(checkin: CheckinRequest, channel: str, to: str) -> None:
    """Call inside a transaction: the send is audited with a masked address, never the link."""
    before = trail.snapshot(checkin)
    if channel == "email":
        checkin.email_sent_at = timezone.now()
        checkin.save(update_fields=["email_sent_at"])
        trail.record_update(checkin, before)
    trail.record(Action.SEND, checkin, after={"channel": channel, "to": _mask(to)})


def _mask(address: str) -> str:
    if "@" not in address:
        return f"***{address[-3:]}"  # a phone number: its last digits
    name, _sep, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


# --- responses ---------------------------------------------------------------------------------


def scored(instrument: Instrument, answers: Mapping[str, str]) -> tuple[dict, dict, list]:
    result = score(instrument.parsed(), answers)
    # Blanks and answers to questions switched off by enableWhen are not kept.
    clean = normalise_answers(instrument.parsed(), answers)
    scores = {
        "scales": result.scales,
        "bands": result.bands,
        "complete": result.complete,
        "missing": result.missing,
    }
    if result.risk_unanswered:
        # Only when there is one, so the recompute finds them with a key lookup.
        scores["risk_unanswered"] = result.risk_unanswered
    risk = [{"linkId": f.link_id, "value": f.value, "message": f.message} for f in result.risk]
    return clean, scores, risk


def _numbers(instrument: Instrument, clean: Mapping[str, int | str]) -> dict[str, int | str]:
    """Already normalised by the scoring engine: ints for numbers, text as typed."""
    return dict(clean)


def save_response(
    *,
    session: Session,
    participant: Participant,
    instrument: Instrument,
    answers: Mapping[str, str],
    idempotency_key: str,
    channel: str,
    checkin: CheckinRequest | None = None,
    entered_by: Any = None,
    sent: Mapping[str, Any] | None = None,
) -> tuple[Response, bool]:
    """Store one scored response, once. Returns (response, created). A repeated idempotency key,
    or a second answer by the same person to the same instrument in the same session, returns
    the stored one and creates nothing. Call inside a transaction."""
    key = f"{participant.pk}:{instrument.key}:{idempotency_key}"[:120]
    if instrument.key == PULSE_KEY:
        # A pulse may be answered again after the same session, once per link (an imported
        # one, without a link, is known by its idempotency key alone).
        same = Q(request=checkin, instrument_key=instrument.key) if checkin else Q(pk__in=[])
        existing = Response.objects.filter(Q(idempotency_key=key) | same).order_by().first()
    else:
        same = Q(session=session, participant=participant, instrument_key=instrument.key)
        existing = _ANSWERED.first(
            key=key, session=session.pk, participant=participant.pk, instrument=instrument.key
        )
    if isinstance(existing, Response):
        return existing, False
    clean, scores, risk = scored(instrument, answers)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                request=checkin,
                session=session,
                participant=participant,
                instrument=instrument,
                instrument_key=instrument.key,
                answers=_numbers(instrument, clean),
                scores=scores,
                risk=risk,
                channel=channel,
                entered_by_staff=entered_by,
                idempotency_key=key,
                **dict(sent or {}),
            )
            trail.record(Action.SUBMIT, response, after=trail.snapshot(response))
            announce_stored(response)
    except IntegrityError:
        # A concurrent submit won the race (possible where no row lock was taken first).
        found = Response.objects.filter(same).first()
        if found is None:
            raise
        return found, False
    return response, True


# The same answer already stored (by its key, or by the one-answer-per-session rule): asked by
# every submission (alliance/prepared.py).
_ANSWERED = PreparedLookup(
    lambda key, session, participant, instrument: Response.objects.filter(
        Q(idempotency_key=key)
        | Q(session_id=session, participant_id=participant, instrument_key=instrument)
    ).order_by("pk")[:1],
    key=str,
    session=int,
    participant=int,
    instrument=str,
)


def announce_stored(response: Response) -> None:
    """Tell whoever listens (notifications) about a new response once it has committed: a
    listener never sees answers a rollback then removes, and its failure never costs them."""

    def send() -> None:
        answers = response_stored.send_robust(
            sender=Response, response=response, risk=bool(response.risk)
        )
        for receiver, outcome in answers:
            if isinstance(outcome, Exception):
                logger.error(
                    "%s failed for response %s: %r", receiver.__qualname__, response.pk, outcome
                )

    transaction.on_commit(send)


def submit_link(
    request_pk: int,
    sections: dict[str, Mapping[str, str]],
    key: str,
    instruments: list[Instrument] | None = None,
    known: CheckinRequest | None = None,
) -> str:
    """Store a client's answers for every instrument of a link, exactly once.

    Returns 'saved', 'already' (this or an earlier submit already completed it) or 'invalid'
    (the link stopped being usable meanwhile). The request row is locked first, so on
    PostgreSQL a concurrent double submit waits here and then sees the link completed.
    `instruments` may be passed by a caller that already read them (a link's instruments never
    change), and `known` by a caller that already read the link with its session, episode and
    participant (find_request): the lock then reads the row alone, fresh, and keeps those
    related rows, which never change for a link; otherwise they are read with the lock. Either
    way the audit and the recompute need no further lookups."""
    with transaction.atomic():
        checkin = _locked(request_pk, known)
        if checkin is None:
            return "invalid"
        if checkin.state == CheckinState.COMPLETED:
            return "already"
        if checkin.state not in ACTIVE_STATES or checkin.expires_at <= timezone.now():
            return "invalid"
        for instrument in instruments if instruments is not None else checkin.instruments():
            save_response(
                session=checkin.session,
                participant=checkin.participant,
                instrument=instrument,
                answers=sections.get(instrument.key, {}),
                idempotency_key=key,
                channel=Channel.LINK,
                checkin=checkin,
            )
        set_state(checkin, CheckinState.COMPLETED, completed_at=timezone.now())
        refresh_insights(checkin.session.episode)
    return "saved"


def _locked(request_pk: int, known: CheckinRequest | None) -> CheckinRequest | None:
    """The link's row, locked until the end of the caller's transaction."""
    if known is None or known.pk != request_pk:
        return (
            CheckinRequest.objects.select_for_update(of=("self",))
            .filter(pk=request_pk)
            .select_related(
                "session__episode__organization__insight_settings", "participant__client"
            )
            .first()
        )
    checkin = _LINK_ROW_LOCKED.first(pk=request_pk)
    if not isinstance(checkin, CheckinRequest):
        return None
    checkin.session = known.session
    checkin.participant = known.participant
    return checkin


# The link's own row, locked: the first statement of every submission (alliance/prepared.py).
_LINK_ROW_LOCKED = PreparedLookup(
    lambda pk: CheckinRequest.objects.select_for_update(of=("self",)).filter(pk=pk)[:1], pk=int
)


def refresh_insights(episode: CareEpisode) -> None:
    """Tell the higher layers, inside the caller's transaction, that the episode's answers
    changed; call it once the answers are written (or removed), before the commit.

    Check-ins do not know who listens: the insights app marks the episode for an alert
    recompute in this same transaction and queues the recompute for after the commit, so a
    failure in the analysis never costs the client their answers (insights/pending.py)."""
    answers_changed.send(sender=CareEpisode, episode=episode)


def progress_rows(participant: Participant) -> list[dict[str, Any]]:
    """A participant's own alliance scores over time, oldest first (for the thank-you page)."""
    rows = []
    responses = (
        Response.objects.filter(participant=participant, instrument__kind="alliance")
        .select_related("session")
        .order_by("session__number", "pk")
    )
    for r in responses:
        value = (r.scores.get("scales") or {}).get("alliance")
        if value is not None:
            rows.append(
                {
                    "number": r.session.number,
                    "date": r.session.starts_at,
                    "score": round(float(value), 1),
                }
            )
    return rows


def record_response_exported(response: Response, what: str) -> None:
    """A stored response left the app as a file (say, a FHIR QuestionnaireResponse)."""
    trail.record(Action.EXPORT, response, after={"format": what})

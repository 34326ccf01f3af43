"""Everything about one client as one ZIP: a FHIR R4 Bundle, one CSV per table and a README.

Which rows count as the client's is decided in alliance.rights.scope (their own episodes whole,
only their part of shared ones). Nothing here checks access or writes the audit trail: the view
and the command do, so the assembly can be tested on its own.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from alliance import csv_cells
from alliance.api.fhir import bundle
from alliance.audit import trail
from alliance.audit.models import Action
from alliance.care.models import Client, EpisodeStatusChange, Participant, Session
from alliance.checkins.models import CheckinRequest, ContactPreferences, Response
from alliance.goals.models import (
    ClientPreferences,
    Goal,
    GoalChange,
    GoalProposal,
    GoalRating,
    SessionAgenda,
    Task,
)
from alliance.growth.models import ClientAttribute
from alliance.insights.models import Alert, AlertEvent
from alliance.language.models import SessionTranscript

from . import fhir
from .scope import ClientScope, client_scope

Row = Sequence[Any]


@dataclass
class Table:
    name: str  # file name without .csv
    about: str  # one line for the README
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)


@dataclass
class ClientExport:
    client: Client
    tables: list[Table]
    fhir_bundle: dict[str, Any]

    def counts(self) -> dict[str, int]:
        return {t.name: len(t.rows) for t in self.tables}

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", readme(self))
            archive.writestr("fhir-bundle.json", json.dumps(self.fhir_bundle, indent=2))
            for table in self.tables:
                archive.writestr(f"{table.name}.csv", csv_text(table))
        return buffer.getvalue()

    @property
    def filename(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.client.code)
        return f"client-{safe}-{timezone.localdate():%Y-%m-%d}.zip"


def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv_cells.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _who(user: Any) -> str:
    return user.display_name if user is not None else ""


# --- what is exported --------------------------------------------------------------------------


@dataclass
class Rows:
    """The querysets of one client's data, shared by the CSV tables and the FHIR bundle."""

    scope: ClientScope

    def participants(self) -> Any:
        # Staff taking part, and the client; never the other clients of a shared episode.
        return (
            Participant.objects.filter(episode_id__in=self.scope.episode_ids)
            .filter(Q(client=self.scope.client) | Q(user__isnull=False))
            .select_related("user")
            .order_by("episode_id", "pk")
        )

    def sessions(self) -> Any:
        return Session.objects.filter(episode_id__in=self.scope.episode_ids).order_by(
            "episode_id", "number"
        )

    def responses(self) -> Any:
        # The client's answers everywhere, and the staff's own ratings of their own episodes.
        staff_in_own = Q(session__episode_id__in=self.scope.own_episode_ids) & Q(
            participant__user__isnull=False
        )
        return (
            Response.objects.filter(self.scope.by_client() | staff_in_own)
            .select_related("instrument", "session__episode", "participant__user")
            .order_by("submitted_at", "pk")
        )

    def goals(self) -> Any:
        return (
            Goal.objects.filter(episode_id__in=self.scope.episode_ids)
            .prefetch_related("tasks")
            .order_by("episode_id", "position", "pk")
        )

    def alerts(self) -> Any:
        return (
            Alert.objects.filter(self.scope.by_client() | self.scope.in_own())
            .select_related("participant")
            .order_by("opened_at", "pk")
        )


def build(client: Client) -> ClientExport:
    rows = Rows(client_scope(client))
    tables = [
        _client_table(client),
        _attribute_table(client),
        _contact_table(client),
        _episode_table(rows),
        _status_table(rows),
        _participant_table(rows),
        _session_table(rows),
        _session_language_table(rows),
        _checkin_table(rows),
        *_response_tables(rows),
        *_goal_tables(rows),
        *_client_voice_tables(rows),
        *_alert_tables(rows),
    ]
    return ClientExport(client, tables, _fhir_bundle(client, rows))


def _client_table(client: Client) -> Table:
    return Table(
        "client",
        "The client's record: code, name and contact details.",
        ("client_id", "code", "display_name", "email", "phone", "created_at", "updated_at"),
        [
            (
                client.pk,
                client.code,
                client.display_name,
                client.email,
                client.phone,
                client.created_at,
                client.updated_at,
            )
        ],
    )


def _attribute_table(client: Client) -> Table:
    found = ClientAttribute.objects.filter(client=client).select_related("definition")
    return Table(
        "pattern_review_details",
        "Details the client agreed to have recorded for pattern reviews, and when.",
        ("detail", "value", "consented_at"),
        [(a.definition.name, a.value, a.consented_at) for a in found.order_by("pk")],
    )


def _contact_table(client: Client) -> Table:
    found = ContactPreferences.objects.filter(client=client)
    return Table(
        "contact_preferences",
        "How the client agreed to receive check-in links: channel, consent (and when it was "
        "recorded), quiet hours.",
        ("channel", "consent", "consent_noted_at", "quiet_from", "quiet_until"),
        [(p.channel, p.consent, p.consent_noted_at, p.quiet_from, p.quiet_until) for p in found],
    )


def _episode_table(rows: Rows) -> Table:
    own = set(rows.scope.own_episode_ids)
    return Table(
        "episodes",
        "Each course of therapy; 'shared' says whether other clients took part too.",
        ("episode_id", "title", "format", "status", "started_on", "closed_on", "shared"),
        [
            (e.pk, e.title, e.format, e.status, e.started_on, e.closed_on, e.pk not in own)
            for e in rows.scope.episodes()
        ],
    )


def _status_table(rows: Rows) -> Table:
    found = EpisodeStatusChange.objects.filter(episode_id__in=rows.scope.episode_ids)
    return Table(
        "episode_status_history",
        "Every opening, closing and reopening of an episode.",
        ("episode_id", "status", "changed_at", "changed_by", "reason"),
        [
            (s.episode_id, s.status, s.changed_at, _who(s.changed_by), s.reason)
            for s in found.select_related("changed_by").order_by("episode_id", "changed_at", "pk")
        ],
    )


def _participant_table(rows: Rows) -> Table:
    return Table(
        "participants",
        "Who took part in each episode: the client and the staff (other clients are left out).",
        ("participant_id", "episode_id", "role", "who", "joined_on", "left_on"),
        [
            (
                p.pk,
                p.episode_id,
                p.role,
                _who(p.user) if p.user_id else "this client",
                p.joined_on,
                p.left_on,
            )
            for p in rows.participants()
        ],
    )


def _session_table(rows: Rows) -> Table:
    return Table(
        "sessions",
        "The sessions of each episode.",
        ("session_id", "episode_id", "number", "starts_at", "duration_minutes", "status"),
        [
            (s.pk, s.episode_id, s.number, s.starts_at, s.duration_minutes, s.status)
            for s in rows.sessions()
        ],
    )


def _session_language_table(rows: Rows) -> Table:
    """Transcript analyses (counts only; text never leaves in an export) of the client's own
    episodes. Shared episodes are left out: their counts mix everyone who spoke."""
    found = SessionTranscript.objects.filter(
        session__episode_id__in=rows.scope.own_episode_ids
    ).select_related("session")
    columns = (
        "reflection_question_ratio",
        "complex_reflection_share",
        "open_question_share",
        "therapist_talk_share",
        "change_talk_share",
    )
    return Table(
        "session_language",
        "Counts from session transcripts the therapist analysed (no words of the transcript).",
        ("session_id", "session_number", "analysed_at", *columns),
        [
            (t.session_id, t.session.number, t.uploaded_at, *(t.summary.get(c) for c in columns))
            for t in found.order_by("session__number")
        ],
    )


def _checkin_table(rows: Rows) -> Table:
    found = CheckinRequest.objects.filter(participant_id__in=rows.scope.participant_ids)
    return Table(
        "checkin_requests",
        "The check-in links sent to the client (the links themselves are never stored).",
        (
            "checkin_id",
            "session_id",
            "state",
            "created_at",
            "expires_at",
            "opened_at",
            "completed_at",
            "email_sent_at",
            "instruments",
        ),
        [
            (
                c.pk,
                c.session_id,
                c.state,
                c.created_at,
                c.expires_at,
                c.opened_at,
                c.completed_at,
                c.email_sent_at,
                " ".join(i.instrument.key for i in c.items.all()),
            )
            for c in found.prefetch_related("items__instrument").order_by("created_at", "pk")
        ],
    )


def _response_tables(rows: Rows) -> list[Table]:
    responses = Table(
        "responses",
        "Each questionnaire answered: by the client, or a therapist's own rating of a session.",
        (
            "response_id",
            "episode_id",
            "session_id",
            "session_number",
            "answered_by",
            "instrument_key",
            "instrument_version",
            "instrument_title",
            "channel",
            "submitted_at",
            "complete",
            "risk_flags",
        ),
    )
    answers = Table(
        "response_answers",
        "One row per answered question of each response.",
        ("response_id", "item", "question", "answer"),
    )
    scores = Table(
        "response_scores",
        "One row per scale score of each response, with its band where the instrument has one.",
        ("response_id", "scale", "score", "band"),
    )
    for r in rows.responses():
        definition = r.instrument.parsed()
        who = "this client" if r.participant.client_id else _who(r.participant.user)
        responses.rows.append(
            (
                r.pk,
                r.session.episode_id,
                r.session_id,
                r.session.number,
                who,
                r.instrument_key,
                r.instrument.version,
                r.instrument.title,
                r.channel,
                r.submitted_at,
                bool(r.scores.get("complete")),
                "; ".join(str(flag.get("message", "")) for flag in r.risk or []),
            )
        )
        for link_id, value in r.answers.items():
            answers.rows.append((r.pk, link_id, _question(definition, link_id), value))
        bands = r.scores.get("bands") or {}
        for scale, value in (r.scores.get("scales") or {}).items():
            scores.rows.append((r.pk, scale, value, bands.get(scale, "")))
    return [responses, answers, scores]


def _question(definition: Any, link_id: str) -> str:
    try:
        return str(definition.item(link_id).text)
    except (KeyError, LookupError, AttributeError):
        return ""


def _goal_tables(rows: Rows) -> list[Table]:
    episodes = rows.scope.episode_ids
    goals = Table(
        "goals",
        "The goals agreed, in the client's own words.",
        ("goal_id", "episode_id", "wording", "proposed_by", "status", "review_on", "created_at"),
        [
            (g.pk, g.episode_id, g.wording, g.proposed_by, g.status, g.review_on, g.created_at)
            for g in rows.goals()
        ],
    )
    tasks = Table(
        "tasks",
        "The tasks or approaches agreed for each goal.",
        ("task_id", "goal_id", "wording", "proposed_by", "status", "created_at"),
        [
            (t.pk, t.goal_id, t.wording, t.proposed_by, t.status, t.created_at)
            for t in Task.objects.filter(goal__episode_id__in=episodes).order_by("goal_id", "pk")
        ],
    )
    history = Table(
        "goal_history",
        "Every change of a goal or task: which field, before, after, who and when.",
        ("goal_id", "task_id", "field", "before", "after", "changed_by", "changed_at", "note"),
        [
            (c.goal_id, c.task_id, c.field, c.before, c.after, _who(c.changed_by), c.changed_at)
            + (c.note,)
            for c in GoalChange.objects.filter(goal__episode_id__in=episodes)
            .select_related("changed_by")
            .order_by("changed_at", "pk")
        ],
    )
    return [goals, tasks, history]


def _client_voice_tables(rows: Rows) -> list[Table]:
    """What the client said about the plan: goal ratings, proposals, agenda, preferences."""
    mine = rows.scope.participant_ids
    ratings = Table(
        "goal_ratings",
        "The client's reviews of their goals (0-10): does the goal still fit, how far along.",
        ("session_id", "goal_id", "still_right", "progress", "submitted_at"),
        [
            (r.review.session_id, r.goal_id, r.still_right, r.progress, r.review.submitted_at)
            for r in GoalRating.objects.filter(review__participant_id__in=mine)
            .select_related("review")
            .order_by("review__submitted_at", "pk")
        ],
    )
    own = rows.scope.own_episode_ids
    proposals = Table(
        "goal_proposals",
        "Changes to the goals the client asked for, and what was decided.",
        ("proposal_id", "episode_id", "kind", "wording", "goal_id", "state", "created_at"),
        [
            (p.pk, p.episode_id, p.kind, p.wording, p.goal_id, p.state, p.created_at)
            for p in GoalProposal.objects.filter(
                Q(participant_id__in=mine) | Q(episode_id__in=own, participant__isnull=True)
            ).order_by("created_at", "pk")
        ],
    )
    agendas = Table(
        "session_agendas",
        "What the client wanted to focus on in a session, and whether it was worked on (0-10).",
        ("session_id", "focus", "worked_on", "updated_at"),
        [
            (a.session_id, a.focus, a.worked_on, a.updated_at)
            for a in SessionAgenda.objects.filter(participant_id__in=mine).order_by("pk")
        ],
    )
    preferences = Table(
        "preferences",
        "The client's preferences for therapy, as they chose them.",
        ("episode_id", "pace", "directness", "homework", "feedback", "when_off", "identity"),
        [
            (p.participant.episode_id, p.pace, p.directness, p.homework, p.feedback)
            + (p.when_off, p.identity)
            for p in ClientPreferences.objects.filter(participant_id__in=mine).select_related(
                "participant"
            )
        ],
    )
    return [ratings, proposals, agendas, preferences]


def _alert_tables(rows: Rows) -> list[Table]:
    alerts = list(rows.alerts())
    table = Table(
        "alerts",
        "Alerts the analysis raised about the client's check-ins, with their current state.",
        ("alert_id", "episode_id", "kind", "severity", "session_number", "reason", "state")
        + ("opened_at",),
        [
            (a.pk, a.episode_id, a.kind, a.severity, a.session_number, a.reason, a.state)
            + (a.opened_at,)
            for a in alerts
        ],
    )
    history = Table(
        "alert_history",
        "Every step of each alert: what was said with the client and how they responded.",
        ("alert_id", "from_state", "to_state", "by", "at", "what_was_said", "client_response")
        + ("note",),
        [
            (e.alert_id, e.from_state, e.to_state, _who(e.by), e.at, e.what_was_said)
            + (e.client_response, e.note)
            for e in AlertEvent.objects.filter(alert__in=[a.pk for a in alerts])
            .select_related("by")
            .order_by("at", "pk")
        ],
    )
    return [table, history]


def _fhir_bundle(client: Client, rows: Rows) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [fhir.patient(client)]
    resources += [fhir.episode_of_care(e, client) for e in rows.scope.episodes()]
    resources += [fhir.encounter(s, client) for s in rows.sessions()]
    resources += [fhir.response(r) for r in rows.responses()]
    resources += [fhir.goal(g, client) for g in rows.goals()]
    resources += [fhir.flag(a, client) for a in rows.alerts()]
    return bundle("collection", resources)


# --- README ------------------------------------------------------------------------------------


def readme(export: ClientExport) -> str:
    client = export.client
    lines = [
        f"Everything {client.organization.name} holds about client {client.code}",
        f"Made on {timezone.localtime():%Y-%m-%d %H:%M %Z}.",
        "",
        "fhir-bundle.json",
        "  A FHIR R4 Bundle (type 'collection'): the Patient, an EpisodeOfCare per episode, an",
        "  Encounter per session, a QuestionnaireResponse per questionnaire answered, a Goal per",
        "  goal (its tasks as notes) and a Flag per alert. Any record system that reads FHIR R4",
        "  can import it.",
        "",
        "The same data, one CSV file per table (UTF-8, comma-separated, first row = column names):",
    ]
    for table in export.tables:
        lines.append(f"  {table.name}.csv ({len(table.rows)} rows): {table.about}")
        lines.append(f"      columns: {', '.join(table.columns)}")
    lines += [
        "",
        "What is included. Episodes in which this client was the only client are included whole,",
        "with the therapists' own ratings of those sessions. In couple, family or group episodes",
        "only this client's part is included (their answers, ratings, preferences, agenda and the",
        "alerts about them alone); the shared goals and sessions are included too, but nothing",
        "the other clients answered. Check-in links are not included: only a fingerprint of each",
        "link is stored, and it opens nothing.",
        "",
        "Scores and answers are as stored when they were given. 'risk_flags' lists answers that",
        "the questionnaire marks for the clinician's attention.",
    ]
    return "\n".join(lines) + "\n"


def record_downloaded(client: Client, bundle: Any) -> None:
    """That the client's data left the app, and how much: never what (the content is the
    client's, not the trail's)."""
    trail.record(Action.EXPORT, client, after={"format": "client-export-zip", **bundle.counts()})

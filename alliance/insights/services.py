"""Between the database and the pure analysis: responses in, alerts out.

`recompute_episode` is the fast path run right after a submission; `recompute_organization`
runs the same rules over a whole organization in one vectorised pass. Both give the same alerts
for the same history because alerts are keyed by what they are about (a fingerprint), never by
when the analysis ran.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from alliance.audit import trail
from alliance.audit.models import Action
from alliance.care.models import CLIENT_ROLES, CareEpisode, ParticipantRole, Session
from alliance.checkins.models import Response
from alliance.goals import alerts as goal_alerts
from alliance.goals.models import GoalRating

from . import analysis, pulse, recovery, texts, trends
from .drafts import AlertDraft
from .models import (
    SEVERITY_RANK,
    Alert,
    AlertEvent,
    AlertKind,
    AlertState,
    InsightSettings,
    Prompt,
)
from .signals import alerts_raised

logger = logging.getLogger(__name__)

ROLE_CODE = {role: analysis.CLIENT for role in CLIENT_ROLES} | {
    ParticipantRole.THERAPIST: analysis.THERAPIST,
    ParticipantRole.CO_THERAPIST: analysis.THERAPIST,
    ParticipantRole.INTERPRETER: analysis.INTERPRETER,
}
# Findings about a state that holds now (judged at the latest session) rather than an event.
STATE_KINDS = {
    "low_alliance": AlertKind.LOW_ALLIANCE,
    "weak_early_alliance": AlertKind.WEAK_EARLY_ALLIANCE,
    "therapist_overestimation": AlertKind.OVERESTIMATION,
    "split_alliance": AlertKind.SPLIT,
    "not_on_track": AlertKind.NOT_ON_TRACK,
    # one fact of "not on track" for the same score (see `concern_of`)
    "reliable_deterioration": AlertKind.NOT_ON_TRACK,
}
CHUNK = 20_000


# --------------------------------------------------------------------------- thresholds


def thresholds_for(organization: Any) -> analysis.Thresholds:
    """The organization's overrides on top of the documented defaults, and its own expected
    recovery curves and typical early alliance (the latest fit) in place of the default ones
    where it has them."""
    overrides = getattr(getattr(organization, "insight_settings", None), "overrides", None) or {}
    known = {f.name for f in dataclasses.fields(analysis.Thresholds)} - {
        "recovery_curves",
        "typical_alliance",
    }
    chosen = dataclasses.replace(
        analysis.DEFAULT_THRESHOLDS, **{k: v for k, v in overrides.items() if k in known}
    )
    if not getattr(organization, "pk", None):
        return chosen
    own, typical = recovery.latest_fits(organization)
    if own:
        chosen = dataclasses.replace(chosen, recovery_curves={**chosen.recovery_curves, **own})
    if typical is not None:
        chosen = dataclasses.replace(chosen, typical_alliance=typical)
    return chosen


# ------------------------------------------------------------------------- observations


def _response_rows(responses: Any, stream: bool) -> Iterator[tuple[Any, ...]]:
    rows = responses.order_by().values_list(
        "session__episode_id",
        "participant_id",
        "participant__role",
        "instrument_key",
        "session__number",
        "scores",
        "risk",
    )
    # Stream only big batches: a server-side cursor costs more than it saves for one episode.
    yield from rows.iterator(chunk_size=CHUNK) if stream else rows


# A risk answer is its own observation, on a scale of its own: a response can carry one while
# its scores are incomplete (PHQ-9 item 9 answered, two other items skipped: no total), and the
# risk must be seen all the same.
RISK_SCALE = "risk"


def observations(responses: Any, *, stream: bool = False) -> analysis.Observations:
    """One observation per scored scale of each response, and one more for a risk answer."""
    cols: list[list[Any]] = [[] for _ in range(8)]

    def add(*row: Any) -> None:
        for col, item in zip(cols, row, strict=True):
            col.append(item)

    for episode, participant, role, key, number, scores, risk in _response_rows(responses, stream):
        for scale, value in ((scores or {}).get("scales") or {}).items():
            if value is not None:
                add(episode, participant, role, key, scale, number, value, False)
        if risk:
            add(episode, participant, role, key, RISK_SCALE, number, 0.0, True)
    return _observations_from(cols)


def _observations_from(cols: list[list[Any]]) -> analysis.Observations:
    """Columns of (episode, participant, role, instrument key, scale key, session, value, risk)
    with names, as both readers produce them, turned into the analysis table's codes."""
    instruments, scales = list(analysis.INSTRUMENTS), list(analysis.SCALES)
    return analysis.Observations.from_columns(
        cols[0],
        cols[1],
        [ROLE_CODE.get(r, 0) for r in cols[2]],
        _codes(cols[3], instruments),
        _codes(cols[4], scales),
        cols[5],
        cols[6],
        cols[7],
        instruments=tuple(instruments),
        scales=tuple(scales),
    )


# On PostgreSQL the scales are unnested in the database and come back as one array per
# column: decoding a million JSON documents in Python was most of a recompute's time.
PG_OBSERVATIONS = """
WITH obs AS (
  SELECT s.episode_id, r.participant_id, p.role, r.instrument_key, s.number, kv.key AS scale,
         (kv.value)::text::float8 AS value, false AS risk
  FROM checkins_response r
  JOIN care_session s ON s.id = r.session_id
  JOIN care_participant p ON p.id = r.participant_id
  CROSS JOIN LATERAL jsonb_each(r.scores -> 'scales') AS kv(key, value)
  WHERE s.episode_id = ANY(%(episodes)s) AND jsonb_typeof(kv.value) = 'number'
  UNION ALL
  SELECT s.episode_id, r.participant_id, p.role, r.instrument_key, s.number, %(risk_scale)s,
         0.0, true
  FROM checkins_response r
  JOIN care_session s ON s.id = r.session_id
  JOIN care_participant p ON p.id = r.participant_id
  WHERE s.episode_id = ANY(%(episodes)s) AND jsonb_array_length(r.risk) > 0
)
SELECT array_agg(episode_id), array_agg(participant_id), array_agg(role),
       array_agg(instrument_key), array_agg(number), array_agg(scale), array_agg(value),
       array_agg(risk)
FROM obs
"""


def _codes(names: list[str], lookup: list[str]) -> list[int]:
    index = {name: i for i, name in enumerate(lookup)}
    for name in dict.fromkeys(names):
        if name not in index:
            index[name] = len(lookup)
            lookup.append(name)
    return [index[name] for name in names]


def pg_observations(episode_ids: list[int]) -> analysis.Observations:
    with connection.cursor() as cursor:
        cursor.execute(PG_OBSERVATIONS, {"episodes": episode_ids, "risk_scale": RISK_SCALE})
        episode, participant, role, key, number, scale, value, risk = (
            c or [] for c in cursor.fetchone()
        )
    return _observations_from([episode, participant, role, key, scale, number, value, risk])


# ----------------------------------------------------------------------------- alerts


OUTCOME_KINDS = ("not_on_track", "reliable_deterioration")


def concern_of(f: analysis.Finding) -> str:
    """What a finding is about, so that findings about the same thing share one alert: a
    reliable deterioration and "not on track" of one score are one concern, as are a drop in
    a client's rating and whether it was repaired."""
    if f.kind in ("alliance_drop", "subscale_drop", "rupture_repaired", "rupture_unrepaired"):
        return f"alliance:{f.participant}:{f.instrument}:{f.scale}"
    if f.kind in OUTCOME_KINDS:
        return f"outcome:{f.participant}:{f.instrument}:{f.scale}"
    if f.kind == "risk":
        # Each risk answer is an event of its own: it is closed with its own note, and record
        # systems receive each one through the webhooks (one delivery per alert).
        return f"risk:{f.participant}:{f.instrument}:{f.session_number}"
    if f.participant < 0:
        return f.kind
    return f"{f.kind}:{f.participant}:{f.instrument}:{f.scale}"


def drafts_from(findings: Iterable[analysis.Finding]) -> list[AlertDraft]:
    found = list(findings)
    drops = {
        (f.episode, f.participant, f.scale, f.session_number): f
        for f in found
        if f.kind in ("alliance_drop", "subscale_drop")
    }
    latest: dict[int, int] = {}
    for f in found:
        latest[f.episode] = max(latest.get(f.episode, 0), f.session_number)
    drafts = []
    current: dict[tuple[int, str], list[analysis.Finding]] = {}
    for f in found:
        if f.kind == "risk":
            drafts.append(
                _draft(f, AlertKind.RISK, f"risk:{f.participant}:{f.instrument}:{f.session_number}")
            )
        elif f.kind in ("rupture_repaired", "rupture_unrepaired"):
            drafts.append(_rupture_draft(f, drops))
        elif f.kind in STATE_KINDS and f.session_number == latest[f.episode]:
            current.setdefault((f.episode, concern_of(f)), []).append(f)
    drafts += [_state_draft(together) for together in current.values()]
    return drafts


_SEVERITY_OF = {"risk": 0, "high": 1, "medium": 2, "low": 3}


def _state_draft(together: list[analysis.Finding]) -> AlertDraft:
    """Findings of one concern at the latest session: one alert with every fact."""
    f = min(together, key=lambda x: _SEVERITY_OF[x.severity])
    kinds = {x.kind for x in together}
    name = "not_on_track" if kinds & set(OUTCOME_KINDS) else f.kind
    condition = f"{name}:{f.participant}:{f.instrument}:{f.scale}"
    numbers: dict[str, float] = {}
    for x in together:
        numbers.update(x.numbers)
    return dataclasses.replace(
        _draft(f, STATE_KINDS[name], f"{condition}:{f.session_number}"),
        numbers=numbers,
        findings=tuple(sorted(together, key=lambda x: analysis.KINDS.index(x.kind))),
    )


def _draft(
    f: analysis.Finding,
    kind: str,
    fingerprint: str,
    *,
    severity: str = "",
    resolution: str = "",
) -> AlertDraft:
    return AlertDraft(
        episode_id=f.episode,
        participant_id=f.participant if f.participant >= 0 else None,
        kind=kind,
        severity=severity or f.severity,
        scale=f.scale,
        session_number=f.session_number,
        reason="",  # written from the findings with their dates (texts.describe)
        numbers=dict(f.numbers),
        fingerprint=fingerprint,
        resolution_proposed=resolution,
        concern=concern_of(f),
        findings=(f,),
    )


def _rupture_draft(f: analysis.Finding, drops: dict[tuple[int, int, str, int], Any]) -> AlertDraft:
    onset = int(f.numbers["onset_session"])
    at_onset = drops.get((f.episode, f.participant, f.scale, onset))
    kind = AlertKind.DROP if f.scale == "alliance" else AlertKind.SUBSCALE_DROP
    severity = at_onset.severity if at_onset else "medium"
    resolution = ""
    if f.kind == "rupture_repaired":
        resolution = (
            f"Back at the usual level at session {int(f.numbers['repair_session'])}: "
            + analysis.explain(f)
        )
    draft = _draft(
        f,
        kind,
        f"drop:{f.participant}:{f.instrument}:{f.scale}:{onset}",
        severity=severity,
        resolution=resolution,
    )
    return dataclasses.replace(
        draft,
        session_number=onset,
        numbers={**(at_onset.numbers if at_onset else {}), **f.numbers},
        findings=(at_onset, f) if at_onset else (f,),
    )


@dataclasses.dataclass
class _Moments:
    """When each session took place and when each risk answer arrived, for the drafts' texts
    and for when each alert was raised."""

    sessions: dict[tuple[int, int], Any]
    answers: dict[tuple[int, int, int], Any]

    def of(self, episode: int, f: analysis.Finding) -> Any:
        if f.kind in ("risk", "risk_unanswered"):
            found = self.answers.get((episode, f.participant, f.session_number))
            if found is not None:
                return found
        return self.sessions.get((episode, f.session_number))


def _moments(episode_ids: list[int]) -> _Moments:
    sessions = {
        (e, n): at
        for e, n, at in Session.objects.filter(episode_id__in=episode_ids).values_list(
            "episode_id", "number", "starts_at"
        )
    }
    answers = {
        (e, p, n): at
        for e, p, n, at in Response.objects.filter(session__episode_id__in=episode_ids)
        .filter(~Q(risk=[]) | Q(scores__has_key="risk_unanswered"))
        .values_list("session__episode_id", "participant_id", "session__number", "submitted_at")
    }
    return _Moments(sessions, answers)


def unanswered_risk_drafts(episode_ids: list[int]) -> list[AlertDraft]:
    """A risk item left unanswered (PHQ-9 item 9 skipped on paper, in an import or through the
    API) is never silent: the therapist is told to ask about it."""
    rows = (
        Response.objects.filter(
            session__episode_id__in=episode_ids, scores__has_key="risk_unanswered"
        )
        .order_by()
        .values_list("session__episode_id", "participant_id", "instrument_key", "session__number")
    )
    return [
        _draft(
            analysis.Finding("risk_unanswered", "high", e, p, key, RISK_SCALE, n, {}),
            AlertKind.RISK_UNANSWERED,
            f"risk_unanswered:{p}:{key}:{n}",
        )
        for e, p, key, n in rows
    ]


def goal_drafts(episode_ids: list[int]) -> list[AlertDraft]:
    """Falling agreement on a goal or falling progress (goals/alerts.py), analysed in the same
    recompute as the check-ins, so the recompute-pending marker covers goal reviews too."""
    rows = (
        GoalRating.objects.filter(goal__episode_id__in=episode_ids)
        .order_by()
        .values_list(
            "goal__episode_id",
            "goal_id",
            "goal__wording",
            "review__participant_id",
            "review__session__number",
            "still_right",
            "progress",
        )
    )
    by_episode: dict[int, list[goal_alerts.Rated]] = {}
    for episode_id, goal, wording, participant, session, still_right, progress in rows:
        rated = goal_alerts.Rated(goal, wording, participant, session, still_right, progress)
        by_episode.setdefault(episode_id, []).append(rated)
    return [
        AlertDraft(
            episode_id=episode_id,
            participant_id=f.participant,
            kind=goal_alerts.KINDS[f.scale],
            severity="medium",
            scale=f"goal-{f.goal}",
            session_number=f.session,
            reason=f.reason,
            numbers={"before": float(f.before), "now": float(f.now)},
            fingerprint=f"{goal_alerts.KINDS[f.scale]}:{f.participant}:{f.goal}:{f.session}",
        )
        for episode_id, ratings in by_episode.items()
        for f in goal_alerts.findings(ratings)
    ]


def apply_drafts(organization: Any, episode_ids: Iterable[int], drafts: list[AlertDraft]) -> int:
    """One active alert per concern: a new finding about a concern that has an active alert
    updates it (numbers, reason, history); otherwise a new alert. A finding already covered by
    an alert that was resolved is not raised again. Never deletes. Returns the new count."""
    ids = list(episode_ids)
    alerts = list(Alert.objects.filter(episode_id__in=ids))
    store = _AlertStore(alerts, _moments(ids) if drafts else _Moments({}, {}))
    for draft in sorted(drafts, key=lambda d: (d.episode_id, d.latest_session, d.session_number)):
        store.take(organization, draft)
    with transaction.atomic():
        return store.save(ids)


class _AlertStore:
    def __init__(self, alerts: list[Alert], moments: _Moments) -> None:
        self.moments = moments
        self.by_fingerprint = {(a.episode_id, a.fingerprint): a for a in alerts}
        self.active = {(a.episode_id, a.concern): a for a in alerts if a.is_active and a.concern}
        self.covered: dict[tuple[int, str], int] = {}
        for a in alerts:
            key = (a.episode_id, a.concern)
            seen = a.latest_session_number or a.session_number or 0
            self.covered[key] = max(self.covered.get(key, 0), seen)
        self.zone, self.language = timezone.get_current_timezone(), get_language()
        self.new: list[Alert] = []
        self.changed: dict[int, Alert] = {}
        self.notes: dict[tuple[int, str], list[tuple[str, str, str]]] = {}

    def take(self, organization: Any, draft: AlertDraft) -> None:
        key = (draft.episode_id, draft.concern_key)
        alert = self.active.get(key)
        if alert is None and (draft.episode_id, draft.fingerprint) in self.by_fingerprint:
            return  # this very finding was raised before and has been resolved since
        if alert is None and self.covered.get(key, -1) >= draft.latest_session:
            return  # a resolved alert about the same concern already took this into account
        facts = [texts.fact(f, self.moments.of(draft.episode_id, f)) for f in draft.findings]
        if alert is not None:
            self._update(alert, draft, facts)
        else:
            reason = self.describe(facts) if facts else draft.reason
            alert = _new_alert(organization, draft, facts, reason)
            alert.raised_at = self._moment(draft, draft.session_number)
            alert.numbers_at = self._moment(draft, draft.latest_session)
            self.new.append(alert)
            self.active[key] = alert
            self.by_fingerprint[(draft.episode_id, draft.fingerprint)] = alert

    def describe(self, facts: list[Any]) -> str:
        return texts.describe(facts, zone=self.zone, language=self.language)

    def _moment(self, draft: AlertDraft, session: int) -> Any:
        found = next((f for f in draft.findings if f.session_number == session), None)
        if found is not None:
            return self.moments.of(draft.episode_id, found)
        return self.moments.sessions.get((draft.episode_id, session))

    def _update(self, alert: Alert, draft: AlertDraft, facts: list[Any]) -> None:
        seen = alert.latest_session_number or alert.session_number or 0
        if draft.latest_session < seen:
            return  # an older finding about the concern: the alert already says more
        later = draft.latest_session > seen
        if (
            not later
            and facts
            and facts == alert.facts
            and (alert.kind, alert.resolution_proposed) == (draft.kind, draft.resolution_proposed)
        ):
            return  # the same findings as last time: nothing to write (the common case)
        reason = self.describe(facts) if facts else draft.reason
        fields = {
            "kind": draft.kind,
            "severity": draft.severity,
            "severity_rank": SEVERITY_RANK.get(draft.severity, 3),
            "reason": reason,
            "numbers": draft.numbers,
            "facts": facts,
            "resolution_proposed": draft.resolution_proposed,
            "latest_session_number": draft.latest_session,
            "numbers_at": self._moment(draft, draft.latest_session),
        }
        if not later and all(getattr(alert, k) == v for k, v in fields.items()):
            return
        for name, value in fields.items():
            setattr(alert, name, value)
        if later:
            note = f"New finding at session {draft.latest_session}: {reason}"
            self.notes.setdefault((alert.episode_id, alert.fingerprint), []).append(
                (alert.state, alert.state, note)
            )
        if alert.pk is not None:
            self.changed[alert.pk] = alert

    def save(self, ids: list[int]) -> int:
        for alert in self.changed.values():
            alert.save()
        created = Alert.objects.bulk_create(self.new, ignore_conflicts=True) if self.new else []
        # Read back rather than trust `created`: with ignore_conflicts the new rows carry no
        # primary key, and a concurrent run may have raised the same alert first.
        events = [
            AlertEvent(alert=a, to_state=AlertState.OPEN, note="raised by the analysis")
            for a in Alert.objects.filter(episode_id__in=ids, events__isnull=True)
        ]
        AlertEvent.objects.bulk_create(events)
        if events:
            _announce_raised([e.alert.pk for e in events])
        if self.notes:
            by_key = {
                (a.episode_id, a.fingerprint): a
                for a in Alert.objects.filter(
                    episode_id__in={e for e, _ in self.notes},
                    fingerprint__in={f for _, f in self.notes},
                )
            }
            AlertEvent.objects.bulk_create(
                AlertEvent(alert=by_key[key], from_state=before, to_state=after, note=note)
                for key, steps in self.notes.items()
                if key in by_key
                for before, after, note in steps
            )
        return len(created)


def _announce_raised(alert_ids: list[int]) -> None:
    """Tell listeners (notifications) about new alerts once they are committed; a listener's
    failure is logged and never undoes the alerts."""

    def send() -> None:
        for receiver, outcome in alerts_raised.send_robust(sender=Alert, alert_ids=alert_ids):
            if isinstance(outcome, Exception):
                logger.error("%s failed for new alerts: %r", receiver.__qualname__, outcome)

    transaction.on_commit(send)


def _new_alert(organization: Any, draft: AlertDraft, facts: list[Any], reason: str) -> Alert:
    return Alert(
        organization=organization,
        episode_id=draft.episode_id,
        participant_id=draft.participant_id,
        kind=draft.kind,
        severity=draft.severity,
        severity_rank=SEVERITY_RANK.get(draft.severity, 3),
        scale=draft.scale,
        session_number=draft.session_number,
        latest_session_number=draft.latest_session,
        reason=reason,
        numbers=draft.numbers,
        facts=facts,
        fingerprint=draft.fingerprint,
        concern=draft.concern_key,
        resolution_proposed=draft.resolution_proposed,
    )


# ---------------------------------------------------------------------------- entry points


def recompute_episode(episode: Any) -> int:
    """The fast path after one submission: this episode's history only."""
    # One transaction, the episode locked before anything is read: concurrent check-ins of one
    # episode (both partners of a couple) are analysed one after the other, each seeing the
    # other's answers, and the alerts and the trend are written with a single commit.
    with transaction.atomic():
        trends.lock_episodes([episode.pk])
        if connection.vendor == "postgresql":
            obs = pg_observations([episode.pk])
        else:
            obs = observations(Response.objects.filter(session__episode=episode))
        findings = analysis.analyse(obs, thresholds_for(episode.organization))
        drafts = (
            drafts_from(findings) + unanswered_risk_drafts([episode.pk]) + goal_drafts([episode.pk])
        )
        drafts += pulse.drafts([episode.pk])
        new_alerts = apply_drafts(episode.organization, [episode.pk], drafts)
        trends.store(trends.compute([episode.pk]))
    return new_alerts


def recompute_organization(organization: Any, *, batch_episodes: int = 5_000) -> dict[str, int]:
    """Every episode of the organization, a batch of episodes at a time to bound memory."""
    thresholds = thresholds_for(organization)
    episode_ids = list(
        CareEpisode.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    totals = {"episodes": len(episode_ids), "responses": 0, "new_alerts": 0}
    for start in range(0, len(episode_ids), batch_episodes):
        batch = episode_ids[start : start + batch_episodes]
        responses = Response.objects.filter(session__episode_id__in=batch)
        if connection.vendor == "postgresql":
            obs = pg_observations(batch)
        else:
            obs = observations(responses, stream=True)
        totals["responses"] += responses.count()
        drafts = (
            drafts_from(analysis.analyse(obs, thresholds))
            + unanswered_risk_drafts(batch)
            + goal_drafts(batch)
        )
        drafts += pulse.drafts(batch)
        totals["new_alerts"] += apply_drafts(organization, batch, drafts)
        trends.refresh(batch)
    return totals


def save_thresholds(organization: Any, overrides: dict[str, Any]) -> InsightSettings:
    """Store the organization's own thresholds (the row records its own change)."""
    row = InsightSettings.objects.filter(organization=organization).first()
    row = row or InsightSettings(organization=organization)
    row.overrides = overrides
    row.save()
    return row


def copy_seed_prompts(organization: Any, kind: str, seeds: Iterable[str]) -> None:
    """Give the organization its own editable copies of the project's prompts for `kind`."""
    for position, text in enumerate(seeds):
        Prompt.objects.create(organization=organization, kind=kind, text=text, position=position)


def record_recompute_queued(organization: Any) -> None:
    """The admin asked for every alert to be recomputed over all history."""
    trail.record(
        Action.UPDATE,
        object_type="insights.recompute",
        object_label="alerts recomputed over all history (queued)",
        organization=organization,
    )


def record_chart_viewed(episode: Any, name: str) -> None:
    """A chart of the episode was drawn on its own (print, no JavaScript): a read of the
    episode, named by the chart."""
    trail.record(Action.VIEW, episode, object_label=f"{episode} — chart {name}")

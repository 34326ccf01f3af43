"""Between the database and the pure analysis: responses in, alerts out.

`recompute_episode` is the fast path run right after a submission; `recompute_organization`
runs the same rules over a whole organization in one vectorised pass. Both give the same alerts
for the same history because alerts are keyed by what they are about (a fingerprint), never by
when the analysis ran.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction

from alliance.care.models import CLIENT_ROLES, ParticipantRole

from . import analysis, recovery, trends
from .models import ACTIVE_STATES, SEVERITY_RANK, Alert, AlertEvent, AlertKind, AlertState

ROLE_CODE = {role: analysis.CLIENT for role in CLIENT_ROLES} | {
    ParticipantRole.THERAPIST: analysis.THERAPIST,
    ParticipantRole.CO_THERAPIST: analysis.THERAPIST,
    ParticipantRole.INTERPRETER: analysis.INTERPRETER,
}
# Findings about a state that holds now (judged at the latest session) rather than an event.
STATE_KINDS = {
    "low_alliance": AlertKind.LOW_ALLIANCE,
    "therapist_overestimation": AlertKind.OVERESTIMATION,
    "split_alliance": AlertKind.SPLIT,
    "not_on_track": AlertKind.NOT_ON_TRACK,
    "reliable_deterioration": AlertKind.DETERIORATION,
}
CHUNK = 20_000


# --------------------------------------------------------------------------- thresholds


def thresholds_for(organization: Any) -> analysis.Thresholds:
    """The organization's overrides on top of the documented defaults, and its own expected
    recovery curves (the latest fit) in place of the default ones where it has them."""
    overrides = getattr(getattr(organization, "insight_settings", None), "overrides", None) or {}
    known = {f.name for f in dataclasses.fields(analysis.Thresholds)} - {"recovery_curves"}
    chosen = dataclasses.replace(
        analysis.DEFAULT_THRESHOLDS, **{k: v for k, v in overrides.items() if k in known}
    )
    own = recovery.latest_curves(organization) if getattr(organization, "pk", None) else {}
    if not own:
        return chosen
    return dataclasses.replace(chosen, recovery_curves={**chosen.recovery_curves, **own})


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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(PG_OBSERVATIONS, {"episodes": episode_ids, "risk_scale": RISK_SCALE})
        episode, participant, role, key, number, scale, value, risk = (
            c or [] for c in cursor.fetchone()
        )
    return _observations_from([episode, participant, role, key, scale, number, value, risk])


# ----------------------------------------------------------------------------- alerts


@dataclasses.dataclass(frozen=True)
class AlertDraft:
    episode_id: int
    participant_id: int | None
    kind: str
    severity: str
    scale: str
    session_number: int
    reason: str
    numbers: dict[str, float]
    fingerprint: str
    resolution_proposed: str = ""
    # State alerts match an active alert of the same condition, whatever session it began at.
    condition: str = ""


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
    for f in found:
        if f.kind == "risk":
            drafts.append(
                _draft(f, AlertKind.RISK, f"risk:{f.participant}:{f.instrument}:{f.session_number}")
            )
        elif f.kind in ("rupture_repaired", "rupture_unrepaired"):
            drafts.append(_rupture_draft(f, drops))
        elif f.kind in STATE_KINDS and f.session_number == latest[f.episode]:
            condition = f"{f.kind}:{f.participant}:{f.instrument}:{f.scale}"
            drafts.append(
                _draft(
                    f, STATE_KINDS[f.kind], f"{condition}:{f.session_number}", condition=condition
                )
            )
    return drafts


def _draft(
    f: analysis.Finding,
    kind: str,
    fingerprint: str,
    *,
    reason: str = "",
    severity: str = "",
    resolution: str = "",
    condition: str = "",
) -> AlertDraft:
    return AlertDraft(
        episode_id=f.episode,
        participant_id=f.participant if f.participant >= 0 else None,
        kind=kind,
        severity=severity or f.severity,
        scale=f.scale,
        session_number=f.session_number,
        reason=reason or analysis.explain(f),
        numbers=dict(f.numbers),
        fingerprint=fingerprint,
        resolution_proposed=resolution,
        condition=condition,
    )


def _rupture_draft(f: analysis.Finding, drops: dict[tuple[int, int, str, int], Any]) -> AlertDraft:
    onset = int(f.numbers["onset_session"])
    at_onset = drops.get((f.episode, f.participant, f.scale, onset))
    kind = AlertKind.DROP if f.scale == "alliance" else AlertKind.SUBSCALE_DROP
    reason = analysis.explain(at_onset) if at_onset else analysis.explain(f)
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
        reason=reason,
        severity=severity,
        resolution=resolution,
    )
    return dataclasses.replace(
        draft, session_number=onset, numbers={**(at_onset.numbers if at_onset else {}), **f.numbers}
    )


def apply_drafts(organization: Any, episode_ids: Iterable[int], drafts: list[AlertDraft]) -> int:
    """Create new alerts, refresh the numbers of active ones; never delete. Returns new count."""
    ids = list(episode_ids)
    existing = {(a.episode_id, a.fingerprint): a for a in Alert.objects.filter(episode_id__in=ids)}
    active_conditions = {
        (a.episode_id, a.fingerprint.rsplit(":", 1)[0]): a
        for a in existing.values()
        if a.state in ACTIVE_STATES and a.kind in STATE_KINDS.values()
    }
    new: list[Alert] = []
    with transaction.atomic():
        for draft in drafts:
            alert = existing.get((draft.episode_id, draft.fingerprint))
            if alert is None and draft.condition:
                alert = active_conditions.get((draft.episode_id, draft.condition))
            if alert is None:
                new.append(_new_alert(organization, draft))
            elif alert.is_active:
                _refresh(alert, draft)
        if not new:
            return 0
        created = Alert.objects.bulk_create(new, ignore_conflicts=True)
        # Read back rather than trust `created`: with ignore_conflicts the new rows carry no
        # primary key, and a concurrent run may have raised the same alert first.
        AlertEvent.objects.bulk_create(
            [
                AlertEvent(alert=a, to_state=AlertState.OPEN, note="raised by the analysis")
                for a in Alert.objects.filter(episode_id__in=ids, events__isnull=True)
            ]
        )
    return len(created)


def _new_alert(organization: Any, draft: AlertDraft) -> Alert:
    return Alert(
        organization=organization,
        episode_id=draft.episode_id,
        participant_id=draft.participant_id,
        kind=draft.kind,
        severity=draft.severity,
        severity_rank=SEVERITY_RANK.get(draft.severity, 3),
        scale=draft.scale,
        session_number=draft.session_number,
        reason=draft.reason,
        numbers=draft.numbers,
        fingerprint=draft.fingerprint,
        resolution_proposed=draft.resolution_proposed,
    )


def _refresh(alert: Alert, draft: AlertDraft) -> None:
    changed = (
        alert.reason != draft.reason
        or alert.numbers != draft.numbers
        or alert.resolution_proposed != draft.resolution_proposed
    )
    if changed:
        alert.reason, alert.numbers = draft.reason, draft.numbers
        alert.resolution_proposed = draft.resolution_proposed
        alert.save(update_fields=["reason", "numbers", "resolution_proposed", "updated_at"])


# ---------------------------------------------------------------------------- entry points


def recompute_episode(episode: Any) -> int:
    """The fast path after one submission: this episode's history only."""
    from django.db import connection

    from alliance.checkins.models import Response

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
        new_alerts = apply_drafts(episode.organization, [episode.pk], drafts_from(findings))
        trends.store(trends.compute([episode.pk]))
    return new_alerts


def recompute_organization(organization: Any, *, batch_episodes: int = 5_000) -> dict[str, int]:
    """Every episode of the organization, a batch of episodes at a time to bound memory."""
    from django.db import connection

    from alliance.care.models import CareEpisode
    from alliance.checkins.models import Response

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
        drafts = drafts_from(analysis.analyse(obs, thresholds))
        totals["new_alerts"] += apply_drafts(organization, batch, drafts)
        trends.refresh(batch)
    return totals

"""Between the database and the statistics: stored check-in scores in, the figures of the
growth pages out.

Every reader takes a queryset of episodes that the caller got from alliance.accounts.access, so
the scope of a page is decided in one place; each reads its scores in one query, with the
alliance score pulled out of the JSON by the database (as the caseload does).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import FloatField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.accounts import access
from alliance.care.models import (
    CLIENT_ROLES,
    WRITING_STAFF_ROLES,
    CareEpisode,
    EpisodeFormat,
    Participant,
)
from alliance.checkins.models import Response
from alliance.insights.models import ACTIVE_STATES, Alert, AlertKind, AlertState

from . import statistics as stats
from .models import AttributeDefinition, ClientAttribute, GrowthSettings, PracticePeriod

ALLIANCE_SCALE = "alliance"
OUTCOMES = (("phq-9", "PHQ-9"), ("gad-7", "GAD-7"))
RUPTURE_KINDS = (AlertKind.DROP, AlertKind.SUBSCALE_DROP, AlertKind.UNREPAIRED)
OFF_TRACK_KINDS = (AlertKind.NOT_ON_TRACK, AlertKind.DETERIORATION)
# Ages of open alerts on the supervision page, in days: (from, to, label).
AGE_BANDS = ((0, 6, _("under a week")), (7, 29, _("1–4 weeks")), (30, None, _("a month or more")))
EXTREMES = 3
MIN_CHECKINS_FOR_EXTREMES = 3


@dataclass(frozen=True)
class Rating:
    """One client's score of one session."""

    episode_id: int
    client_id: int
    format: str
    session_id: int
    session_number: int
    day: dt.date
    value: float


# ------------------------------------------------------------------------------- scoping


def therapist_episodes(viewer: access.Viewer, therapist: Any) -> QuerySet[CareEpisode]:
    """The episodes the viewer may see in which `therapist` works (therapist or co-therapist)."""
    staff = Participant.objects.filter(
        user=therapist, role__in=WRITING_STAFF_ROLES, left_on__isnull=True
    )
    return access.visible_episodes(viewer).filter(pk__in=staff.values("episode_id"))


def organization_episodes(viewer: access.Viewer) -> QuerySet[CareEpisode]:
    """All episodes of the organization, for aggregate figures only (admins and researchers);
    the caller has checked the role, and nothing built from this names a client."""
    return CareEpisode.objects.filter(organization=viewer.organization)


# ------------------------------------------------------------------------------- readers


def _scores(episodes: QuerySet[CareEpisode], scale: str, **where: Any) -> QuerySet[Any]:
    return (
        Response.objects.filter(session__episode__in=episodes, **where)
        .order_by()
        .annotate(value=Cast(KT(f"scores__scales__{scale}"), FloatField()))
        .filter(value__isnull=False)
    )


def _client_rated() -> Q:
    return Q(participant__role__in=list(CLIENT_ROLES), participant__client__isnull=False)


def client_ratings(
    episodes: QuerySet[CareEpisode],
    *,
    kind: str = "alliance",
    instrument_key: str = "",
    scale: str = ALLIANCE_SCALE,
    between: tuple[dt.date, dt.date] | None = None,
) -> list[Rating]:
    """Clients' scores of one scale (by default the alliance), oldest session first."""
    where: dict[str, Any] = {"instrument_key": instrument_key} if instrument_key else {}
    if not instrument_key:
        where["instrument__kind"] = kind
    if between:
        where["session__starts_at__date__range"] = between
    rows = (
        _scores(episodes, scale, **where)
        .filter(_client_rated())
        .values_list(
            "session__episode_id",
            "participant__client_id",
            "session__episode__format",
            "session_id",
            "session__number",
            "session__starts_at",
            "value",
        )
        .order_by("session__starts_at", "session_id")
    )
    return [
        Rating(episode, client, fmt, session, number, timezone.localdate(when), value)
        for episode, client, fmt, session, number, when, value in rows
    ]


def own_ratings(episodes: QuerySet[CareEpisode], therapist: Any) -> dict[int, float]:
    """The therapist's own alliance score per session."""
    rows = _scores(
        episodes, ALLIANCE_SCALE, instrument__kind="alliance", participant__user=therapist
    ).values_list("session_id", "value")
    return dict(rows)


def calibration_pairs(
    ratings: list[Rating], own: dict[int, float]
) -> list[tuple[Rating, float, float]]:
    """(rating, therapist's score, client's score) for each session both rated."""
    return [(r, own[r.session_id], r.value) for r in ratings if r.session_id in own]


# ------------------------------------------------------------------------------ my patterns


@dataclass(frozen=True)
class EpisodeMean:
    episode: CareEpisode
    mean: float
    checkins: int


@dataclass
class AttributeGroups:
    definition: AttributeDefinition
    groups: list[tuple[str, stats.Summary]]


@dataclass
class Patterns:
    overall: stats.Summary
    by_session: list[tuple[str, stats.Summary]]
    by_format: list[tuple[str, stats.Summary]]
    by_attribute: list[AttributeGroups]
    calibration: stats.Summary
    calibration_by_quarter: list[tuple[str, stats.Summary]]
    weaker: list[EpisodeMean]
    stronger: list[EpisodeMean]
    checkins: int = 0


def patterns(viewer: access.Viewer, therapist: Any) -> Patterns:
    episodes = therapist_episodes(viewer, therapist)
    ratings = client_ratings(episodes)
    pairs = calibration_pairs(ratings, own_ratings(episodes, therapist))
    weaker, stronger = _extremes(episodes, ratings)
    return Patterns(
        overall=stats.summarise([(r.client_id, r.value) for r in ratings]),
        by_session=_by_session(ratings),
        by_format=_by_format(ratings),
        by_attribute=attribute_groups(viewer.organization, ratings),
        calibration=stats.calibration([(r.client_id, mine, theirs) for r, mine, theirs in pairs]),
        calibration_by_quarter=_calibration_by_quarter(pairs),
        weaker=weaker,
        stronger=stronger,
        checkins=len(ratings),
    )


def _by_session(ratings: list[Rating]) -> list[tuple[str, stats.Summary]]:
    rows = [(stats.session_band(r.session_number), r.client_id, r.value) for r in ratings]
    return [
        (stats.SESSION_BANDS[band][2], summary)
        for band, summary in stats.summarise_groups(rows, order=int, complementary=True)
    ]


def _by_format(ratings: list[Rating]) -> list[tuple[str, stats.Summary]]:
    order = [value for value, _label in EpisodeFormat.choices]
    labels = dict(EpisodeFormat.choices)
    rows = [(r.format, r.client_id, r.value) for r in ratings]
    return [
        (str(labels.get(fmt, fmt)), summary)
        for fmt, summary in stats.summarise_groups(rows, order=order.index, complementary=True)
    ]


def attribute_groups(organization: Any, ratings: list[Rating]) -> list[AttributeGroups]:
    """For each attribute in use, one group per recorded answer, in the definition's order.
    Clients without a recorded (consented) answer are in no group."""
    definitions = list(AttributeDefinition.objects.filter(organization=organization, active=True))
    values = ClientAttribute.objects.filter(
        definition__in=definitions, client_id__in={r.client_id for r in ratings}
    ).values_list("definition_id", "client_id", "value")
    answer: dict[tuple[int, int], str] = {(d, c): v for d, c, v in values}
    result = []
    for definition in definitions:
        options = list(definition.options)
        rows = [
            (answer[(definition.pk, r.client_id)], r.client_id, r.value)
            for r in ratings
            if (definition.pk, r.client_id) in answer
        ]
        groups = stats.summarise_groups(rows, order=_in_order_of(options), complementary=True)
        result.append(AttributeGroups(definition, groups))
    return result


def _in_order_of(options: list[str]) -> Any:
    """Sort key: the definition's order; answers since taken off the list come last."""
    rank = {option: i for i, option in enumerate(options)}
    return lambda value: (rank.get(value, len(rank)), value)


def _quarter_label(day: dt.date) -> str:
    year, number = stats.quarter(day.year, day.month)
    return f"{year} Q{number}"


def _calibration_by_quarter(
    pairs: list[tuple[Rating, float, float]],
) -> list[tuple[str, stats.Summary]]:
    rows = [(_quarter_label(r.day), r.client_id, mine - theirs) for r, mine, theirs in pairs]
    return stats.summarise_groups(rows, order=str, complementary=True)


def _extremes(
    episodes: QuerySet[CareEpisode], ratings: list[Rating]
) -> tuple[list[EpisodeMean], list[EpisodeMean]]:
    """Episodes with the lowest and highest mean client alliance (at least a few check-ins)."""
    by_episode: dict[int, list[float]] = defaultdict(list)
    for r in ratings:
        by_episode[r.episode_id].append(r.value)
    means = {
        episode: stats.mean(values)
        for episode, values in by_episode.items()
        if len(values) >= MIN_CHECKINS_FOR_EXTREMES
    }
    low, high = stats.extremes(means, EXTREMES)
    shown = episodes.filter(pk__in=[e for e, _m in low + high]).prefetch_related(
        "participants__client", "participants__user"
    )
    found = {e.pk: e for e in shown}
    return (
        [EpisodeMean(found[e], m, len(by_episode[e])) for e, m in low],
        [EpisodeMean(found[e], m, len(by_episode[e])) for e, m in high],
    )


# --------------------------------------------------------------------------------- practice


@dataclass
class PracticeReport:
    period: PracticePeriod
    before_from: dt.date
    before_until: dt.date
    during: stats.Summary
    before: stats.Summary
    comparison: stats.Comparison
    comments: list[tuple[dt.date, str]] = field(default_factory=list)


def previous_window(period: PracticePeriod) -> tuple[dt.date, dt.date]:
    """The period of equal length that ends the day before practice starts."""
    until = period.starts_on - dt.timedelta(days=1)
    return until - dt.timedelta(days=period.days - 1), until


def practice_report(viewer: access.Viewer, period: PracticePeriod) -> PracticeReport:
    episodes = therapist_episodes(viewer, period.therapist)
    before_from, before_until = previous_window(period)
    during = client_ratings(episodes, between=(period.starts_on, period.ends_on))
    before = client_ratings(episodes, between=(before_from, before_until))
    during_pairs = [(r.client_id, r.value) for r in during]
    before_pairs = [(r.client_id, r.value) for r in before]
    return PracticeReport(
        period=period,
        before_from=before_from,
        before_until=before_until,
        during=stats.summarise(during_pairs),
        before=stats.summarise(before_pairs),
        comparison=stats.compare(before_pairs, during_pairs),
        comments=practice_comments(episodes, period.starts_on, period.ends_on),
    )


def practice_comments(
    episodes: QuerySet[CareEpisode], first: dt.date, last: dt.date
) -> list[tuple[dt.date, str]]:
    """What clients wrote in the open question of the alliance check-in, in those days."""
    rows = (
        Response.objects.filter(
            _client_rated(),
            session__episode__in=episodes,
            instrument__kind="alliance",
            session__starts_at__date__range=(first, last),
        )
        .order_by("session__starts_at", "pk")
        .values_list("session__starts_at", "answers")
    )
    comments = []
    for when, answers in rows:
        text = str((answers or {}).get("change") or "").strip()
        if text:
            comments.append((timezone.localdate(when), text))
    return comments


# ------------------------------------------------------------------------------ supervision


@dataclass
class AlertLine:
    alert: Alert
    age_days: int
    is_new: bool = False  # arrived since the viewer last opened the page

    @property
    def who(self) -> str:
        """The client the alert is about; in a couple or group that is one of several."""
        client = getattr(self.alert.participant, "client", None)
        return str(client.display_name) if client else str(self.alert.episode)


@dataclass
class ClientLine:
    """One client with active not-on-track alerts, however many measures raised them."""

    episode: CareEpisode
    name: str
    kinds: list[str]
    age_days: int


@dataclass
class Supervisee:
    therapist: Any
    alerts_by_age: list[tuple[str, int]]
    open_alerts: list[AlertLine]
    undiscussed_ruptures: list[AlertLine]
    not_on_track: list[ClientLine]
    calibration: stats.Summary
    notes: list[Any]
    news: News | None = None

    @property
    def new_alerts(self) -> list[AlertLine]:
        return [line for line in self.open_alerts if line.is_new]


@dataclass
class News:
    """What arrived since the viewer last opened the page: check-ins (one per person and
    session, as on the episode page) and alerts (by when they were raised in the system, not
    by their clinical date, so an alert about an older session still counts as new)."""

    since: dt.datetime
    checkins: int
    alerts: int


def rupture_days(organization: Any) -> int:
    found = GrowthSettings.objects.filter(organization=organization).first()
    return found.rupture_discussion_days if found else 14


def supervisee_summary(
    viewer: access.Viewer, therapist: Any, days: int, since: dt.datetime | None = None
) -> Supervisee:
    """One supervisee's part of the supervision page; with `since` (the viewer's previous
    visit), what is new since then is counted and the new alerts are marked."""
    from .models import SupervisionNote

    episodes = therapist_episodes(viewer, therapist)
    now = timezone.now()
    alerts = (
        Alert.objects.filter(episode__in=episodes, state__in=ACTIVE_STATES)
        .select_related("episode", "participant__client")
        .prefetch_related("episode__participants__client")
        .order_by("raised_at", "opened_at", "pk")
    )
    # Age in clinical time (the session's date or the answer's moment), as on every page.
    lines = [
        AlertLine(a, max((now - a.raised).days, 0), since is not None and a.opened_at > since)
        for a in alerts
    ]
    waiting = (AlertState.OPEN, AlertState.ACKNOWLEDGED)
    ratings = client_ratings(episodes)
    pairs = calibration_pairs(ratings, own_ratings(episodes, therapist))
    return Supervisee(
        therapist=therapist,
        alerts_by_age=_by_age(lines),
        open_alerts=lines,
        undiscussed_ruptures=[
            line
            for line in lines
            if line.alert.kind in RUPTURE_KINDS
            and line.alert.state in waiting
            and line.age_days >= days
        ],
        not_on_track=_clients_off_track(lines),
        calibration=stats.calibration([(r.client_id, mine, theirs) for r, mine, theirs in pairs]),
        notes=list(
            SupervisionNote.objects.filter(
                organization=viewer.organization, therapist=therapist
            ).select_related("supervisor")
        ),
        news=_news(episodes, lines, since),
    )


def _news(episodes: QuerySet[CareEpisode], lines: list[AlertLine], since: Any) -> News | None:
    if since is None:
        return None
    checkins = (
        Response.objects.filter(session__episode__in=episodes, submitted_at__gt=since)
        .values("session_id", "participant_id")
        .distinct()
        .count()
    )
    return News(since, checkins, sum(line.is_new for line in lines))


def _clients_off_track(lines: list[AlertLine]) -> list[ClientLine]:
    """Not-on-track alerts per client: a client off track on two measures is one line."""
    found: dict[tuple[int, int | None], ClientLine] = {}
    for line in lines:
        alert = line.alert
        if alert.kind not in OFF_TRACK_KINDS:
            continue
        key = (alert.episode_id, alert.participant_id)
        if key not in found:
            client = getattr(alert.participant, "client", None)
            name = client.display_name if client else str(alert.episode)
            found[key] = ClientLine(alert.episode, name, [], line.age_days)
        kind = str(alert.get_kind_display())
        if kind not in found[key].kinds:
            found[key].kinds.append(kind)
    return list(found.values())


def _by_age(lines: list[AlertLine]) -> list[tuple[str, int]]:
    counts = []
    for first, last, label in AGE_BANDS:
        counts.append(
            (
                str(label),
                sum(
                    1 for x in lines if x.age_days >= first and (last is None or x.age_days <= last)
                ),
            )
        )
    return counts


# ----------------------------------------------------------------------------- organization


@dataclass
class MonthRow:
    label: str
    alliance: stats.Summary
    calibration: stats.Summary
    outcomes: list[stats.Summary]


def months_back(today: dt.date, count: int) -> list[tuple[int, int]]:
    """The last `count` calendar months as (year, month), oldest first, this month included."""
    index = today.year * 12 + today.month - 1
    return [divmod(i, 12) for i in range(index - count + 1, index + 1)]


def organization_summary(viewer: access.Viewer, count: int) -> list[MonthRow]:
    """Month by month: client-rated alliance, the therapist−client gap, and each outcome
    measure's total, each a mean over clients with its interval, small months suppressed."""
    episodes = organization_episodes(viewer)
    # Completed months only: a month still filling up changes with each check-in, and comparing
    # the page before and after one would give that one client's score.
    last_day = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    months = [(y, m + 1) for y, m in months_back(last_day, count)]
    first = dt.date(months[0][0], months[0][1], 1)
    window = (first, last_day)
    alliance = client_ratings(episodes, between=window)
    pairs = calibration_pairs(alliance, _staff_ratings(episodes, window))
    outcomes = [
        client_ratings(episodes, instrument_key=key, scale="total", between=window)
        for key, _label in OUTCOMES
    ]

    def monthly(rows: list[tuple[tuple[int, int], int, float]]) -> dict[Any, stats.Summary]:
        return dict(stats.summarise_groups(rows))

    by_alliance = monthly([((r.day.year, r.day.month), r.client_id, r.value) for r in alliance])
    by_gap = monthly([((r.day.year, r.day.month), r.client_id, a - b) for r, a, b in pairs])
    by_outcome = [
        monthly([((r.day.year, r.day.month), r.client_id, r.value) for r in rows])
        for rows in outcomes
    ]
    empty = stats.Suppressed()
    return [
        MonthRow(
            label=f"{year}-{month:02d}",
            alliance=by_alliance.get((year, month), empty),
            calibration=by_gap.get((year, month), empty),
            outcomes=[found.get((year, month), empty) for found in by_outcome],
        )
        for year, month in months
    ]


def _staff_ratings(episodes: QuerySet[CareEpisode], window: tuple[dt.date, dt.date]) -> dict:
    """The lead or co-therapist's own score per session; where both rated, their mean."""
    rows = _scores(
        episodes,
        ALLIANCE_SCALE,
        instrument__kind="alliance",
        participant__role__in=list(WRITING_STAFF_ROLES),
        session__starts_at__date__range=window,
    ).values_list("session_id", "value")
    by_session: dict[int, list[float]] = defaultdict(list)
    for session, value in rows:
        by_session[session].append(value)
    return {session: stats.mean(values) for session, values in by_session.items()}

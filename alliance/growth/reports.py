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

from django.db.models import (
    Avg,
    Case,
    Count,
    Expression,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KT, KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce, ExtractQuarter, ExtractYear, RowNumber
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
from .models import (
    AttributeDefinition,
    ClientAttribute,
    GrowthSettings,
    PracticePeriod,
    SupervisionNote,
)

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
    return CareEpisode.objects.visible_to(viewer).filter(pk__in=staff.values("episode_id"))


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


# ---------------------------------------------------------------- readers summed by the database
#
# The pages below never load one row per rating: the database adds the ratings up per client
# (and per whatever the page groups by), and statistics.py finishes the two-stage estimate from
# those sums. What comes back is bounded by clients × groups, not by the years of check-ins.


def _value(scale: str) -> Expression:
    return Cast(KT(f"scores__scales__{scale}"), FloatField())


def _own_value(therapist: Any) -> Subquery:
    """The therapist's own alliance score of the same session (at most one: one answer per
    participant, session and instrument)."""
    # The therapist's own participant rows first (a handful, hashed once by the database), so
    # the per-session lookup needs no join to every response's participant.
    theirs = Participant.objects.filter(user=therapist).values("pk")
    own = (
        Response.objects.filter(
            session=OuterRef("session"), instrument__kind="alliance", participant__in=theirs
        )
        .order_by()
        .annotate(own=_value(ALLIANCE_SCALE))
        .values("own")[:1]
    )
    return Subquery(own, output_field=FloatField())


def _staff_value() -> Subquery:
    """The lead and co-therapists' own alliance score of the same session; their mean where both
    rated."""
    staff = (
        Response.objects.filter(
            session=OuterRef("session"),
            instrument__kind="alliance",
            participant__role__in=list(WRITING_STAFF_ROLES),
        )
        .order_by()
        .annotate(staff_value=_value(ALLIANCE_SCALE))
        .filter(staff_value__isnull=False)
        .values("session")
        .annotate(mean=Avg("staff_value"))
        .values("mean")
    )
    return Subquery(staff, output_field=FloatField())


def _session_band() -> Case:
    return Case(
        *[
            When(session__number__range=(first, last), then=Value(index))
            for index, (first, last, _label) in enumerate(stats.SESSION_BANDS)
        ],
        output_field=IntegerField(),
    )


def _client_alliance(episodes: QuerySet[CareEpisode] | list[int], **where: Any) -> QuerySet[Any]:
    """Client alliance ratings in `episodes` (a queryset, or ids the database is given as a
    literal list)."""
    return (
        Response.objects.filter(_client_rated(), session__episode__in=episodes, **where)
        .filter(instrument__kind="alliance")
        .order_by()
        .annotate(value=_value(ALLIANCE_SCALE))
        .filter(value__isnull=False)
    )


@dataclass(frozen=True)
class Cell:
    """One client's alliance ratings of one episode's sessions in one session band and one
    calendar quarter, summed by the database; `gap` sums the therapist's own score minus the
    client's over the sessions both rated."""

    episode_id: int
    client_id: int
    format: str
    band: int
    year: int
    quarter: int
    total: float
    count: int
    gap_total: float
    gap_count: int


def pattern_cells(episodes: QuerySet[CareEpisode], therapist: Any) -> list[Cell]:
    """Everything "My patterns" shows, in one query of at most episodes × bands × quarters
    rows."""
    rows = (
        _client_alliance(episodes)
        .annotate(
            own=_own_value(therapist),
            band=_session_band(),
            year=ExtractYear("session__starts_at"),
            quarter=ExtractQuarter("session__starts_at"),
        )
        .values(
            "session__episode_id",
            "participant__client_id",
            "session__episode__format",
            "band",
            "year",
            "quarter",
        )
        .annotate(
            total=Sum("value"),
            count=Count("pk"),
            gap_total=Sum(F("own") - F("value")),
            gap_count=Count("own"),
        )
        .values_list(
            "session__episode_id",
            "participant__client_id",
            "session__episode__format",
            "band",
            "year",
            "quarter",
            "total",
            "count",
            "gap_total",
            "gap_count",
        )
    )
    return [Cell(*row[:8], row[8] or 0.0, row[9]) for row in rows]


def client_sums(
    episodes: QuerySet[CareEpisode], between: tuple[dt.date, dt.date]
) -> list[stats.ClientSum]:
    """Clients' alliance ratings of the sessions in `between`, summed per client."""
    rows = (
        _client_alliance(episodes, session__starts_at__date__range=between)
        .values("participant__client_id")
        .annotate(total=Sum("value"), count=Count("pk"))
        .values_list("participant__client_id", "total", "count")
    )
    return list(rows)


def calibration_sums(episodes: QuerySet[CareEpisode], therapist: Any) -> list[stats.ClientSum]:
    """The therapist's own score minus the client's, summed per client over the sessions both
    rated."""
    rows = (
        _client_alliance(episodes)
        .annotate(own=_own_value(therapist))
        .filter(own__isnull=False)
        .values("participant__client_id")
        .annotate(total=Sum(F("own") - F("value")), count=Count("pk"))
        .values_list("participant__client_id", "total", "count")
    )
    return list(rows)


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
    cells = pattern_cells(episodes, therapist)
    weaker, stronger = _extremes(episodes, cells)
    gaps = [c for c in cells if c.gap_count]
    return Patterns(
        overall=stats.summarise_sums((c.client_id, c.total, c.count) for c in cells),
        by_session=_by_session(cells),
        by_format=_by_format(cells),
        by_attribute=attribute_groups(viewer.organization, cells),
        calibration=stats.summarise_sums((c.client_id, c.gap_total, c.gap_count) for c in gaps),
        calibration_by_quarter=_calibration_by_quarter(gaps),
        weaker=weaker,
        stronger=stronger,
        checkins=sum(c.count for c in cells),
    )


def _by_session(cells: list[Cell]) -> list[tuple[str, stats.Summary]]:
    rows = [(c.band, c.client_id, c.total, c.count) for c in cells]
    return [
        (stats.SESSION_BANDS[band][2], summary)
        for band, summary in stats.summarise_sum_groups(rows, order=int, complementary=True)
    ]


def _by_format(cells: list[Cell]) -> list[tuple[str, stats.Summary]]:
    order = [value for value, _label in EpisodeFormat.choices]
    labels = dict(EpisodeFormat.choices)
    rows = [(c.format, c.client_id, c.total, c.count) for c in cells]
    return [
        (str(labels.get(fmt, fmt)), summary)
        for fmt, summary in stats.summarise_sum_groups(rows, order=order.index, complementary=True)
    ]


def attribute_groups(organization: Any, cells: list[Cell]) -> list[AttributeGroups]:
    """For each attribute in use, one group per recorded answer, in the definition's order.
    Clients without a recorded (consented) answer are in no group."""
    definitions = list(AttributeDefinition.objects.filter(organization=organization, active=True))
    values = ClientAttribute.objects.filter(
        definition__in=definitions, client_id__in={c.client_id for c in cells}
    ).values_list("definition_id", "client_id", "value")
    answer: dict[tuple[int, int], str] = {(d, c): v for d, c, v in values}
    result = []
    for definition in definitions:
        options = list(definition.options)
        rows = [
            (answer[(definition.pk, c.client_id)], c.client_id, c.total, c.count)
            for c in cells
            if (definition.pk, c.client_id) in answer
        ]
        groups = stats.summarise_sum_groups(rows, order=_in_order_of(options), complementary=True)
        result.append(AttributeGroups(definition, groups))
    return result


def _in_order_of(options: list[str]) -> Any:
    """Sort key: the definition's order; answers since taken off the list come last."""
    rank = {option: i for i, option in enumerate(options)}
    return lambda value: (rank.get(value, len(rank)), value)


def _calibration_by_quarter(gaps: list[Cell]) -> list[tuple[str, stats.Summary]]:
    rows = [(f"{c.year} Q{c.quarter}", c.client_id, c.gap_total, c.gap_count) for c in gaps]
    return stats.summarise_sum_groups(rows, order=str, complementary=True)


def _extremes(
    episodes: QuerySet[CareEpisode], cells: list[Cell]
) -> tuple[list[EpisodeMean], list[EpisodeMean]]:
    """Episodes with the lowest and highest mean client alliance (at least a few check-ins)."""
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
    for c in cells:
        sums[c.episode_id][0] += c.total
        sums[c.episode_id][1] += c.count
    count = {episode: int(n) for episode, (_total, n) in sums.items()}
    means = {
        episode: total / n for episode, (total, n) in sums.items() if n >= MIN_CHECKINS_FOR_EXTREMES
    }
    low, high = stats.extremes(means, EXTREMES)
    shown = episodes.filter(pk__in=[e for e, _m in low + high]).prefetch_related(
        "participants__client", "participants__user"
    )
    found = {e.pk: e for e in shown}
    return (
        [EpisodeMean(found[e], m, count[e]) for e, m in low],
        [EpisodeMean(found[e], m, count[e]) for e, m in high],
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
    during = client_sums(episodes, (period.starts_on, period.ends_on))
    before = client_sums(episodes, (before_from, before_until))
    return PracticeReport(
        period=period,
        before_from=before_from,
        before_until=before_until,
        during=stats.summarise_sums(during),
        before=stats.summarise_sums(before),
        comparison=stats.compare_sums(before, during),
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


# Lines of each kind listed per supervisee; the counts above them are always complete, and the
# supervisee's own page of alerts (supervisee_alerts) lists every one of them.
LINES_SHOWN = 10
NOTES_SHOWN = 5


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
class AlertCounts:
    """A supervisee's active alerts counted by the database, whatever their number."""

    total: int = 0
    risk: int = 0
    by_age: tuple[int, ...] = (0, 0, 0)  # in AGE_BANDS
    undiscussed_ruptures: int = 0
    clients_off_track: int = 0
    new: int = 0


@dataclass
class Supervisee:
    therapist: Any
    counts: AlertCounts
    urgent: list[AlertLine]  # the most urgent active alerts: risk first, then the oldest
    undiscussed_ruptures: list[AlertLine]
    not_on_track: list[ClientLine]
    new_alerts: list[AlertLine]
    calibration: stats.Summary
    notes: list[Any]
    notes_total: int = 0
    news: News | None = None

    @property
    def alerts_by_age(self) -> list[tuple[str, int]]:
        return [
            (str(label), count)
            for (_first, _last, label), count in zip(AGE_BANDS, self.counts.by_age, strict=True)
        ]

    @property
    def more_urgent(self) -> int:
        return self.counts.total - len(self.urgent)

    @property
    def more_ruptures(self) -> int:
        return self.counts.undiscussed_ruptures - len(self.undiscussed_ruptures)

    @property
    def more_off_track(self) -> int:
        return self.counts.clients_off_track - len(self.not_on_track)

    @property
    def more_new(self) -> int:
        return self.counts.new - len(self.new_alerts)


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


def _staff_of(ids: list[int], prefix: str) -> dict[str, Any]:
    """Filters tying rows to a supervisee who works in their episode (therapist or co-therapist,
    not left), through `prefix` (the path to the episode's participants); in one filter() call,
    so one join, which annotate(supervisee=...) then reuses."""
    return {
        f"{prefix}__user__in": ids,
        f"{prefix}__role__in": list(WRITING_STAFF_ROLES),
        f"{prefix}__left_on__isnull": True,
    }


def supervisee_alerts(viewer: access.Viewer, ids: list[int]) -> QuerySet[Alert]:
    """The active alerts in the supervisees' episodes that the viewer may see, one row per
    (supervisee, alert), each with `supervisee` (the therapist's id) and `raised_on`."""
    return (
        Alert.objects.filter(
            episode__in=CareEpisode.objects.visible_to(viewer), state__in=list(ACTIVE_STATES)
        )
        .filter(**_staff_of(ids, "episode__participants"))
        .annotate(
            supervisee=F("episode__participants__user"),
            raised_on=Coalesce("raised_at", "opened_at"),
        )
    )


def _episode_clients() -> Prefetch:
    """The episodes' participants with their clients in one query (an alert line names the
    episode by its clients when the alert is not about one of them)."""
    return Prefetch("episode__participants", Participant.objects.select_related("client"))


def _urgency() -> list[Any]:
    # Risk first (severity_rank 0), then by severity, then the longest waiting.
    return [F("severity_rank").asc(), F("raised_on").asc(), F("pk").asc()]


def _conditions(now: dt.datetime, days: int, since: dt.datetime | None) -> dict[str, Q]:
    waiting = (AlertState.OPEN, AlertState.ACKNOWLEDGED)
    return {
        "rupture": Q(
            kind__in=RUPTURE_KINDS, state__in=waiting, raised_on__lte=now - dt.timedelta(days=days)
        ),
        "off_track": Q(kind__in=OFF_TRACK_KINDS),
        "new": Q(opened_at__gt=since) if since is not None else Q(pk__in=[]),
    }


def _alert_counts(
    alerts: QuerySet[Alert], now: dt.datetime, where: dict[str, Q]
) -> dict[int, AlertCounts]:
    """Every supervisee's counts in one grouped query."""
    week, month = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
    off = where["off_track"]
    rows = (
        alerts.order_by()
        .values("supervisee")
        .annotate(
            total=Count("pk", distinct=True),
            risk=Count("pk", distinct=True, filter=Q(severity_rank=0)),
            young=Count("pk", distinct=True, filter=Q(raised_on__gt=week)),
            weeks=Count("pk", distinct=True, filter=Q(raised_on__lte=week, raised_on__gt=month)),
            old=Count("pk", distinct=True, filter=Q(raised_on__lte=month)),
            ruptures=Count("pk", distinct=True, filter=where["rupture"]),
            # One client off track on two measures is one client; an alert about the whole
            # episode (no participant) counts its episode once.
            off_clients=Count("participant", distinct=True, filter=off),
            off_episodes=Count("episode", distinct=True, filter=off & Q(participant__isnull=True)),
            new=Count("pk", distinct=True, filter=where["new"]),
        )
    )
    return {
        row["supervisee"]: AlertCounts(
            total=row["total"],
            risk=row["risk"],
            by_age=(row["young"], row["weeks"], row["old"]),
            undiscussed_ruptures=row["ruptures"],
            clients_off_track=row["off_clients"] + row["off_episodes"],
            new=row["new"],
        )
        for row in rows
    }


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _shown_alerts(alerts: QuerySet[Alert], where: dict[str, Q], shown: int) -> list[Alert]:
    """In one query, for every supervisee: the `shown` most urgent alerts, and the first
    `shown` of each listed kind (undiscussed ruptures, off track, new), by window functions."""
    ranked = alerts.annotate(
        **{f"is_{name}": _flag(condition) for name, condition in where.items()},
        rank_all=Window(RowNumber(), partition_by=[F("supervisee")], order_by=_urgency()),
    )
    ranked = ranked.annotate(
        **{
            f"rank_{name}": Window(
                RowNumber(), partition_by=[F("supervisee"), F(f"is_{name}")], order_by=_urgency()
            )
            for name in where
        }
    )
    listed = Q(rank_all__lte=shown)
    for name in where:
        listed |= Q(**{f"is_{name}": 1, f"rank_{name}__lte": shown})
    found = list(
        ranked.filter(listed)
        # The page names each alert and its age; its numbers and findings stay in the database.
        .defer("numbers", "facts", "reason")
        # Each episode read once, however many of its alerts are listed (joined, it would be
        # built again for every line), with its participants and their clients.
        .prefetch_related("episode", _episode_clients())
        .order_by("supervisee", *_urgency())
    )
    people: dict[int, Participant] = {}
    for alert in found:
        # The client an alert is about is one of its episode's participants, already read.
        if alert.participant_id is not None:
            if alert.participant_id not in people:
                people.update((p.pk, p) for p in alert.episode.participants.all())
            if alert.participant_id in people:
                alert.participant = people[alert.participant_id]
    return found


def supervision_overview(
    viewer: access.Viewer,
    therapists: list[Any],
    days: int,
    since: dt.datetime | None = None,
    shown: int = LINES_SHOWN,
) -> list[Supervisee]:
    """Every supervisee's part of the supervision page, bounded by what it shows: the counts
    come from the database, at most `shown` lines of each list, and a fixed number of queries
    however many supervisees, alerts and check-ins there are. With `since` (the viewer's
    previous visit), what is new since then is counted and the new alerts are marked."""
    ids = [t.pk for t in therapists]
    now = timezone.now()
    where = _conditions(now, days, since)
    alerts = supervisee_alerts(viewer, ids)
    counts = _alert_counts(alerts, now, where)
    by_supervisee: dict[int, dict[int, Alert]] = defaultdict(dict)
    for alert in _shown_alerts(alerts, where, shown):
        # setdefault: a therapist and co-therapist of the same episode is one supervisee.
        by_supervisee[alert.supervisee].setdefault(alert.pk, alert)
    staff = supervisee_staff(viewer, ids)
    calibration = calibration_by_therapist(staff)
    notes, notes_total = _notes(viewer, ids)
    checkins = _new_checkins(staff, since)
    return [
        _supervisee(
            therapist,
            counts.get(therapist.pk, AlertCounts()),
            list(by_supervisee.get(therapist.pk, {}).values()),
            now=now,
            since=since,
            shown=shown,
            calibration=stats.summarise_sums(calibration.get(therapist.pk, [])),
            notes=(notes.get(therapist.pk, []), notes_total.get(therapist.pk, 0)),
            checkins=checkins.get(therapist.pk, 0),
        )
        for therapist in therapists
    ]


def _supervisee(
    therapist: Any,
    counts: AlertCounts,
    alerts: list[Alert],
    *,
    now: dt.datetime,
    since: dt.datetime | None,
    shown: int,
    calibration: stats.Summary,
    notes: tuple[list[Any], int],
    checkins: int,
) -> Supervisee:
    # Age in clinical time (the session's date or the answer's moment), as on every page.
    lines = [
        AlertLine(a, max((now - a.raised).days, 0), since is not None and a.opened_at > since)
        for a in alerts
    ]
    return Supervisee(
        therapist=therapist,
        counts=counts,
        urgent=[line for line in lines if line.alert.rank_all <= shown],  # type: ignore[attr-defined]
        undiscussed_ruptures=_first(lines, "rupture", shown),
        not_on_track=_clients_off_track(_first(lines, "off_track", shown)),
        new_alerts=_first(lines, "new", shown),
        calibration=calibration,
        notes=notes[0],
        notes_total=notes[1],
        news=News(since, checkins, counts.new) if since is not None else None,
    )


def _first(lines: list[AlertLine], name: str, shown: int) -> list[AlertLine]:
    """The listed alerts of one kind, oldest first (as the lists always read)."""
    found = [
        line
        for line in lines
        if getattr(line.alert, f"is_{name}") and getattr(line.alert, f"rank_{name}") <= shown
    ]
    return sorted(found, key=lambda line: (line.alert.raised, line.alert.pk))


@dataclass(frozen=True)
class StaffRow:
    """A supervisee's place in one episode: their participant row, the episode, the person."""

    pk: int
    episode_id: int
    user_id: int


def supervisee_staff(viewer: access.Viewer, ids: list[int]) -> list[StaffRow]:
    """The supervisees' participant rows as therapist or co-therapist (not left) in the
    episodes the viewer may see: a few hundred rows, read once, whose ids the page's other
    queries take as literal lists, so the planner starts from those episodes and never scans
    every rating of the organization (with the rows as a subquery it did: calibration alone
    took 1.3 s at 1,000,000 responses)."""
    return [
        StaffRow(*row)
        for row in Participant.objects.filter(
            episode__in=CareEpisode.objects.visible_to(viewer),
            user__in=ids,
            role__in=list(WRITING_STAFF_ROLES),
            left_on__isnull=True,
        ).values_list("pk", "episode_id", "user_id")
    ]


def calibration_by_therapist(staff: list[StaffRow]) -> dict[int, list[stats.ClientSum]]:
    """calibration_sums for several therapists in one grouped query: each client rating of a
    session, paired with the therapist's own rating of the same session, in the episodes
    where `staff` places them, summed per (therapist, client)."""
    if not staff:
        return {}
    rows = (
        _client_alliance(sorted({row.episode_id for row in staff}))
        .filter(
            session__checkin_responses__participant_id__in=[row.pk for row in staff],
            session__checkin_responses__instrument__kind="alliance",
        )
        .annotate(
            own_by=F("session__checkin_responses__participant__user"),
            # KT() cannot follow a relation: the transforms are applied to the joined column.
            own=Cast(
                KeyTextTransform(
                    ALLIANCE_SCALE, KeyTransform("scales", "session__checkin_responses__scores")
                ),
                FloatField(),
            ),
        )
        .filter(own__isnull=False)
        .values("own_by", "participant__client_id")
        .annotate(total=Sum(F("own") - F("value")), count=Count("pk"))
        .values_list("own_by", "participant__client_id", "total", "count")
    )
    found: dict[int, list[stats.ClientSum]] = defaultdict(list)
    for therapist, client, total, count in rows:
        found[therapist].append((client, total, count))
    return found


def _notes(viewer: access.Viewer, ids: list[int]) -> tuple[dict[int, list[Any]], dict[int, int]]:
    """The latest NOTES_SHOWN supervision notes of each supervisee, and how many there are."""
    notes = (
        SupervisionNote.objects.filter(organization=viewer.organization, therapist__in=ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("therapist")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            ),
            total=Window(Count("pk"), partition_by=[F("therapist")]),
        )
        .filter(rank__lte=NOTES_SHOWN)
        .select_related("supervisor")
        .order_by("therapist", "created_at", "pk")
    )
    found: dict[int, list[Any]] = defaultdict(list)
    totals: dict[int, int] = {}
    for note in notes:
        found[note.therapist_id].append(note)
        totals[note.therapist_id] = note.total
    return found, totals


def _new_checkins(staff: list[StaffRow], since: Any) -> dict[int, int]:
    """Check-ins (one per person and session) since `since` in each supervisee's episodes."""
    if since is None or not staff:
        return {}
    supervisees: dict[int, set[int]] = defaultdict(set)
    for row in staff:
        supervisees[row.episode_id].add(row.user_id)
    checkins = (
        Response.objects.filter(session__episode_id__in=sorted(supervisees), submitted_at__gt=since)
        .values_list("session__episode_id", "session_id", "participant_id")
        .distinct()
        .order_by()
    )
    counted: dict[int, int] = defaultdict(int)
    for episode, _session, _participant in checkins:
        for user in supervisees[episode]:
            counted[user] += 1
    return counted


def _clients_off_track(lines: list[AlertLine]) -> list[ClientLine]:
    """Not-on-track alerts per client: a client off track on two measures is one line."""
    found: dict[tuple[int, int | None], ClientLine] = {}
    labels: dict[str, str] = {}  # get_kind_display() translates every kind on each call
    for line in lines:
        alert = line.alert
        if alert.kind not in OFF_TRACK_KINDS:
            continue
        key = (alert.episode_id, alert.participant_id)
        if key not in found:
            client = getattr(alert.participant, "client", None)
            name = client.display_name if client else str(alert.episode)
            found[key] = ClientLine(alert.episode, name, [], line.age_days)
        if alert.kind not in labels:
            labels[alert.kind] = str(alert.get_kind_display())
        kind = labels[alert.kind]
        if kind not in found[key].kinds:
            found[key].kinds.append(kind)
    return list(found.values())


# ----------------------------------------------------------------------------- organization


def months_back(today: dt.date, count: int) -> list[tuple[int, int]]:
    """The last `count` calendar months as (year, month), oldest first, this month included."""
    index = today.year * 12 + today.month - 1
    return [divmod(i, 12) for i in range(index - count + 1, index + 1)]


def alerts_page_queryset(viewer: access.Viewer, therapist: Any) -> QuerySet[Alert]:
    """Every active alert of one supervisee, most urgent first, for their own paged list."""
    return (
        supervisee_alerts(viewer, [therapist.pk])
        .defer("numbers", "facts", "reason")
        .select_related("episode", "participant__client")
        .prefetch_related(_episode_clients())
        .order_by(*_urgency())
        .distinct()
    )


def alert_lines(alerts: list[Alert], since: dt.datetime | None = None) -> list[AlertLine]:
    now = timezone.now()
    return [
        AlertLine(a, max((now - a.raised).days, 0), since is not None and a.opened_at > since)
        for a in alerts
    ]

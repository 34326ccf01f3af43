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
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, ExtractQuarter, ExtractYear
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


def _client_alliance(episodes: QuerySet[CareEpisode], **where: Any) -> QuerySet[Any]:
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
    episodes = therapist_episodes(viewer, therapist)
    now = timezone.now()
    alerts = (
        Alert.objects.filter(episode__in=episodes, state__in=ACTIVE_STATES)
        # The page names each alert and its age; its numbers and findings stay in the database.
        .defer("numbers", "facts", "reason")
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
        calibration=stats.summarise_sums(calibration_sums(episodes, therapist)),
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


def months_back(today: dt.date, count: int) -> list[tuple[int, int]]:
    """The last `count` calendar months as (year, month), oldest first, this month included."""
    index = today.year * 12 + today.month - 1
    return [divmod(i, 12) for i in range(index - count + 1, index + 1)]

"""The organization view's monthly figures, computed by the database and stored per completed
month, so that the page reads a few dozen rows whatever the size of the organization.

Each figure is the two-stage estimate of statistics.py (each client's mean first, then the mean
over clients): the database adds each client's ratings of the month up, then sums those client
means and their squares. From (clients, ratings, mean, variance) statistics.py gives the same
interval as from the ratings themselves; tests/growth/test_month_figures.py holds the two
together.

Completed months only (the page shows nothing else). A stored month is removed when a response
of one of its sessions is stored, changed or deleted (a late paper form, a correction, an
erasure); a job stores it again as soon as the worker gets to it (and the hourly run in
`growth.jobs` catches anything missed); until then the page computes that month from the
responses, never writing on a read.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from alliance.accounts.models import Organization
from alliance.care.models import Session
from alliance.checkins.models import Response
from alliance.jobs.runner import enqueue_after_commit, job

from . import reports
from . import statistics as stats
from .models import MonthFigure

ALLIANCE = "alliance"
CALIBRATION = "calibration"
MEASURES = (ALLIANCE, CALIBRATION, *(key for key, _label in reports.OUTCOMES))
STORED_MONTHS = 36  # the longest choice of the organization view
# No time zone is more than 14 hours from UTC: a session starting 14 hours or more after the
# month began in UTC is in the current month in every clinic's zone.
ZONE_SLACK = dt.timedelta(hours=14)

Month = tuple[int, int]
# The second grouping, over the per-client sums: client means added up and squared.
OUTER = (
    "SELECT y, m, COUNT(*), SUM(n), SUM(total / n), SUM((total / n) * (total / n)) "
    "FROM ({inner}) per_client GROUP BY y, m"
)


@dataclass(frozen=True)
class Moments:
    """A month's client means: how many clients, how many ratings, their mean and variance."""

    clients: int
    ratings: int
    mean: float
    variance: float

    def summary(self) -> stats.Summary:
        return stats.summary_from_moments(self.clients, self.ratings, self.mean, self.variance)


EMPTY = Moments(0, 0, 0.0, 0.0)


# ------------------------------------------------------------------------------ computing


def first_day(month: Month) -> dt.date:
    return dt.date(month[0], month[1], 1)


def last_day(month: Month) -> dt.date:
    following = first_day(month) + dt.timedelta(days=32)
    return following.replace(day=1) - dt.timedelta(days=1)


def _per_client(organization: Any, measure: str, window: tuple[dt.date, dt.date]) -> QuerySet:
    """One row per (year, month, client): the sum and number of the client's values."""
    responses = Response.objects.filter(
        reports._client_rated(),
        session__episode__organization=organization,
        session__starts_at__date__range=window,
    ).order_by()
    if measure in (ALLIANCE, CALIBRATION):
        responses = responses.filter(instrument__kind="alliance").annotate(
            value=reports._value(reports.ALLIANCE_SCALE)
        )
    else:
        responses = responses.filter(instrument_key=measure).annotate(value=reports._value("total"))
    responses = responses.filter(value__isnull=False)
    term: Any = F("value")
    if measure == CALIBRATION:
        responses = responses.annotate(staff=reports._staff_value()).filter(staff__isnull=False)
        term = F("staff") - F("value")
    return (
        responses.annotate(
            y=ExtractYear("session__starts_at"), m=ExtractMonth("session__starts_at")
        )
        .values("y", "m", "participant__client_id")
        .annotate(total=Sum(term), n=Count("pk"))
        .values("y", "m", "participant__client_id", "total", "n")
    )


def compute(organization: Any, months: list[Month]) -> dict[tuple[str, Month], Moments]:
    """Every measure of `months` from the responses: one query per measure, grouped twice in
    the database (per client, then per month), so a few rows per month come back."""
    if not months:
        return {}
    window = (first_day(min(months)), last_day(max(months)))
    wanted = set(months)
    found: dict[tuple[str, Month], Moments] = {}
    with clinic_time(organization), connection.cursor() as cursor:
        for measure in MEASURES:
            inner = _per_client(organization, measure, window)
            # The inner query is Django's own compiled SQL with its values as parameters;
            # nothing from a request is formatted into the text.
            sql, params = inner.query.get_compiler(using=inner.db).as_sql()
            cursor.execute(OUTER.format(inner=sql), params)
            for year, month, clients, ratings, s1, s2 in cursor.fetchall():
                if (int(year), int(month)) in wanted:
                    found[(measure, (int(year), int(month)))] = _moments(
                        int(clients), int(ratings), float(s1), float(s2)
                    )
    return found


def _moments(clients: int, ratings: int, s1: float, s2: float) -> Moments:
    centre = s1 / clients
    variance = (s2 - clients * centre * centre) / (clients - 1) if clients > 1 else 0.0
    return Moments(clients, ratings, centre, max(variance, 0.0))


def _zone(name: str) -> Any:
    """The clinic's time zone; the server's when it has none or an unknown one."""
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_default_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


@contextmanager
def clinic_time(organization: Any) -> Iterator[None]:
    """Months in the clinic's own time zone, as its pages count them, also on the worker."""
    with timezone.override(_zone(organization.time_zone)):
        yield


# -------------------------------------------------------------------------------- reading


def figures(organization: Any, months: list[Month]) -> dict[str, dict[Month, stats.Summary]]:
    """Each measure's summary per month: stored months read back, the others computed."""
    stored = MonthFigure.objects.filter(
        organization=organization, month__in=[first_day(m) for m in months]
    ).values_list("month", "measure", "clients", "ratings", "mean", "variance")
    moments: dict[tuple[str, Month], Moments] = {}
    present: set[Month] = set()
    for day, measure, clients, ratings, centre, variance in stored:
        present.add((day.year, day.month))
        moments[(measure, (day.year, day.month))] = Moments(clients, ratings, centre, variance)
    moments.update(compute(organization, [m for m in months if m not in present]))
    return {
        measure: {month: moments.get((measure, month), EMPTY).summary() for month in months}
        for measure in MEASURES
    }


@dataclass
class MonthRow:
    label: str
    alliance: stats.Summary
    calibration: stats.Summary
    outcomes: list[stats.Summary]


def organization_summary(organization: Any, count: int) -> list[MonthRow]:
    """Month by month: client-rated alliance, the therapist−client gap, and each outcome
    measure's total, each a mean over clients with its interval, small months suppressed.

    Completed months only: a month still filling up changes with each check-in, and comparing
    the page before and after one would give that one client's score."""
    months = completed_months(count)
    found = figures(organization, months)
    return [
        MonthRow(
            label=f"{year}-{month:02d}",
            alliance=found[ALLIANCE][(year, month)],
            calibration=found[CALIBRATION][(year, month)],
            outcomes=[found[key][(year, month)] for key, _label in reports.OUTCOMES],
        )
        for year, month in months
    ]


# -------------------------------------------------------------------------------- storing


def completed_months(count: int, today: dt.date | None = None) -> list[Month]:
    """The last `count` completed calendar months, oldest first."""
    today = today or timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return [(y, m + 1) for y, m in reports.months_back(last, count)]


def refresh(organization: Any, count: int = STORED_MONTHS) -> int:
    """Stores the completed months that have no stored figures yet; returns how many months.
    Safe to run twice at once: a month stored meanwhile is left as it is."""
    with clinic_time(organization):
        months = completed_months(count)
    have = set(
        MonthFigure.objects.filter(organization=organization, month__gte=first_day(months[0]))
        .values_list("month", flat=True)
        .distinct()
    )
    missing = [m for m in months if first_day(m) not in have]
    found = compute(organization, missing)
    rows = [
        MonthFigure(
            organization=organization,
            month=first_day(month),
            measure=measure,
            **vars(found.get((measure, month), EMPTY)),
        )
        for month in missing
        for measure in MEASURES
    ]
    with transaction.atomic():
        MonthFigure.objects.bulk_create(rows, ignore_conflicts=True)
    return len(missing)


# ------------------------------------------------------------------------------ forgetting


@receiver(post_save, sender=Response, dispatch_uid="growth.forget_month.save")
@receiver(post_delete, sender=Response, dispatch_uid="growth.forget_month.delete")
def forget_month(sender: Any, instance: Response, **kwargs: Any) -> None:
    """A response of a completed month changes that month's figures: drop them, so the page
    computes the month afresh until the worker stores it again. A check-in of this month (the
    usual case) writes nothing here and, once the month is 14 hours old, reads nothing."""
    session = instance.session if Response.session.is_cached(instance) else None  # type: ignore[attr-defined]
    if session is not None and _this_month_everywhere(session.starts_at):
        return
    found = _month_of(session) if session is not None else None
    found = found or (
        Session.objects.filter(pk=instance.session_id)
        .values_list("starts_at", "episode__organization_id", "episode__organization__time_zone")
        .first()
    )
    if found is None:
        return
    starts_at, organization_id, zone_name = found
    zone = _zone(zone_name)
    month = timezone.localtime(starts_at, zone).date().replace(day=1)
    if month >= timezone.localdate(timezone=zone).replace(day=1):
        return  # the month still filling up is never stored
    deleted, _by_model = MonthFigure.objects.filter(
        organization_id=organization_id, month=month
    ).delete()
    if deleted:
        # Stored again by the worker within seconds; the hourly run is the safety net. Once per
        # month touched: an erasure of many answers of one month queues one job, not one each.
        enqueue_after_commit(store_organization_months, organization_id=organization_id)


@job
def store_organization_months(*, organization_id: int | None) -> int:
    """`refresh` for one organization, queued when a late answer changed one of its months."""
    organization = Organization.objects.filter(pk=organization_id).first()
    return refresh(organization) if organization is not None else 0


def _month_of(session: Session) -> tuple[dt.datetime, int, str] | None:
    """What forget_month reads, from a session whose episode and organization are loaded (a
    check-in's are): no query in the client's request."""
    if not (Session.episode.is_cached(session) and session.episode.organization_id):  # type: ignore[attr-defined]
        return None
    episode = session.episode
    if not type(episode).organization.is_cached(episode):  # type: ignore[attr-defined]
        return None
    return session.starts_at, episode.organization_id, episode.organization.time_zone


def _this_month_everywhere(starts_at: dt.datetime) -> bool:
    """In the current month in every time zone (so in no stored month)."""
    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return starts_at - ZONE_SLACK >= month_start

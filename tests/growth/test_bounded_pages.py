"""The growth pages are bounded by what they show, not by history: the database adds the
ratings up, the organization view's completed months are stored, the stored figures equal a
computation from scratch, and no page's query count grows with the data."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance.accounts import access
from alliance.accounts.models import Role
from alliance.care.models import CareEpisode
from alliance.growth import reports, summaries
from alliance.growth import statistics as stats
from alliance.growth.models import MonthFigure, PracticePeriod

from .helpers import client_with_ratings, rate
from .test_organization import LAST_MONTH, phq9


def grow(clinic, count: int, seed: int, prefix: str) -> None:
    """`count` clients of Tess (and one in three of Colin), each rating a few sessions over the
    last three months, the therapist rating most of them too, a PHQ-9 for every other."""
    rng = random.Random(seed)
    for i in range(count):
        sessions = rng.randint(1, 6)
        values = [rng.randint(3, 10) for _ in range(sessions)]
        own = [rng.randint(4, 10) for _ in range(sessions)]
        days = sorted(
            (rng.randint(LAST_MONTH, LAST_MONTH + 60) for _ in range(sessions)), reverse=True
        )
        therapist = clinic.colleague if i % 3 == 2 else clinic.therapist
        episode = client_with_ratings(
            clinic, f"{prefix}{i}", values, therapist=therapist, own=own, days_ago=days
        )
        if i % 2:
            phq9(episode, rng.randint(0, 3))


def close(found: stats.Summary, expected: stats.Summary) -> bool:
    if isinstance(expected, stats.Suppressed):
        return isinstance(found, stats.Suppressed)
    assert isinstance(found, stats.Estimate), found
    return (found.clients, found.ratings) == (expected.clients, expected.ratings) and (
        pytest.approx((found.mean, found.low, found.high), abs=1e-9)
        == (expected.mean, expected.low, expected.high)
    )


def from_scratch(clinic, months):
    """The organization view's figures the way they were first computed: every rating loaded,
    summarised in Python (statistics.summarise), month by month."""
    episodes = CareEpisode.objects.filter(organization=clinic.org)
    window = (summaries.first_day(months[0]), summaries.last_day(months[-1]))
    alliance = reports.client_ratings(episodes, between=window)
    staff: dict[int, list[float]] = {}
    for session, value in reports._scores(
        episodes,
        "alliance",
        instrument__kind="alliance",
        participant__role__in=["therapist", "co_therapist"],
    ).values_list("session_id", "value"):
        staff.setdefault(session, []).append(value)
    gaps = [
        (r, stats.mean(staff[r.session_id]) - r.value) for r in alliance if r.session_id in staff
    ]
    phq = reports.client_ratings(episodes, instrument_key="phq-9", scale="total", between=window)
    result = {}
    for month in months:

        def of(day, month=month):
            return (day.year, day.month) == month

        result[("alliance", month)] = stats.summarise(
            [(r.client_id, r.value) for r in alliance if of(r.day)]
        )
        result[("calibration", month)] = stats.summarise(
            [(r.client_id, g) for r, g in gaps if of(r.day)]
        )
        result[("phq-9", month)] = stats.summarise(
            [(r.client_id, r.value) for r in phq if of(r.day)]
        )
    return result


def test_stored_month_figures_equal_a_computation_from_scratch(clinic):
    grow(clinic, 24, seed=1, prefix="S-")
    months = summaries.completed_months(3)
    expected = from_scratch(clinic, months)
    assert any(isinstance(s, stats.Estimate) for s in expected.values())
    assert summaries.refresh(clinic.org) == summaries.STORED_MONTHS
    assert MonthFigure.objects.filter(organization=clinic.org).count() == 36 * 4
    stored = summaries.figures(clinic.org, months)
    computed = {
        (m, month): s.summary() for (m, month), s in summaries.compute(clinic.org, months).items()
    }
    for (measure, month), summary in expected.items():
        assert close(stored[measure][month], summary), (measure, month)
        if isinstance(summary, stats.Estimate):
            assert close(computed[(measure, month)], summary)
    # Running the job again changes nothing and stores nothing twice.
    assert summaries.refresh(clinic.org) == 0
    assert MonthFigure.objects.filter(organization=clinic.org).count() == 36 * 4


def test_a_late_answer_forgets_its_month_and_the_worker_stores_it_again(
    clinic, django_capture_on_commit_callbacks
):
    grow(clinic, 6, seed=2, prefix="L-")
    summaries.refresh(clinic.org)
    last_month = summaries.completed_months(1)[0]
    stored_before = MonthFigure.objects.filter(month=summaries.first_day(last_month)).count()
    assert stored_before == 4
    # A paper form entered today for a session of last month.
    episode = client_with_ratings(clinic, "LATE", [], days_ago=[])
    session = episode.sessions.create(
        number=1, starts_at=timezone.now() - dt.timedelta(days=LAST_MONTH), status="attended"
    )
    with django_capture_on_commit_callbacks() as queued:
        rate(session, episode.participants.get(client__isnull=False), 2, "alliance-checkin-client")
    assert not MonthFigure.objects.filter(month=summaries.first_day(last_month)).exists()
    # The other stored months stay; the page computes the forgotten one from the responses.
    assert MonthFigure.objects.filter(organization=clinic.org).count() == 35 * 4
    found = summaries.figures(clinic.org, [last_month])
    expected = from_scratch(clinic, [last_month])
    assert close(found["alliance"][last_month], expected[("alliance", last_month)])
    # The job queued after the commit stores the month again, now with the late answer.
    for callback in queued:
        callback()
    assert MonthFigure.objects.filter(organization=clinic.org).count() == 36 * 4
    assert close(
        summaries.figures(clinic.org, [last_month])["alliance"][last_month],
        expected[("alliance", last_month)],
    )
    # A check-in of this month leaves the stored months alone.
    summaries.refresh(clinic.org)
    client_with_ratings(clinic, "NOW", [7], days_ago=[0])
    assert MonthFigure.objects.filter(organization=clinic.org).count() == 36 * 4


def test_patterns_from_database_sums_equal_a_computation_from_scratch(clinic):
    grow(clinic, 30, seed=3, prefix="P-")
    viewer = access.Viewer(clinic.therapist, clinic.org, frozenset({Role.THERAPIST}))
    episodes = reports.therapist_episodes(viewer, clinic.therapist)
    ratings = reports.client_ratings(episodes)
    own = reports.own_ratings(episodes, clinic.therapist)
    pairs = reports.calibration_pairs(ratings, own)
    report = reports.patterns(viewer, clinic.therapist)
    assert report.checkins == len(ratings)
    assert close(report.overall, stats.summarise([(r.client_id, r.value) for r in ratings]))
    expected_calibration = stats.calibration([(r.client_id, a, b) for r, a, b in pairs])
    assert close(report.calibration, expected_calibration)
    bands = stats.summarise_groups(
        [(stats.session_band(r.session_number), r.client_id, r.value) for r in ratings],
        order=int,
        complementary=True,
    )
    assert [label for label, _s in report.by_session] == [
        stats.SESSION_BANDS[b][2] for b, _s in bands
    ]
    for (_label, found), (_band, expected) in zip(report.by_session, bands, strict=True):
        assert close(found, expected)


def page_queries(http, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(path)
    assert response.status_code == 200, path
    return len(queries)


def all_pages(clinic) -> dict[str, int]:
    period = PracticePeriod.objects.filter(
        therapist=clinic.therapist
    ).first() or PracticePeriod.objects.create(
        organization=clinic.org,
        therapist=clinic.therapist,
        skill="Asking for feedback",
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate(),
    )
    therapist, supervisor, researcher = (
        clinic.login("therapist"),
        clinic.login("supervisor"),
        clinic.login("researcher"),
    )
    return {
        "patterns": page_queries(therapist, "/growth/patterns/"),
        "practice": page_queries(therapist, f"/growth/practice/{period.pk}/"),
        "supervision": page_queries(supervisor, "/growth/supervision/"),
        "organization": page_queries(researcher, "/growth/organization/?months=12"),
        "organization stored": _stored_org_queries(clinic, researcher),
        "research export": page_queries(researcher, "/org/research-export/"),
    }


def _stored_org_queries(clinic, http) -> int:
    summaries.refresh(clinic.org)
    count = page_queries(http, "/growth/organization/?months=12")
    MonthFigure.objects.all().delete()
    return count


def test_no_growth_page_makes_more_queries_for_more_data(clinic):
    grow(clinic, 6, seed=4, prefix="A-")
    all_pages(clinic)  # a first visit; both counts below are of returning visitors ("new since")
    small = all_pages(clinic)
    grow(clinic, 40, seed=5, prefix="B-")
    large = all_pages(clinic)
    assert small == large


def test_research_export_page_counts_only_up_to_a_bound(clinic, monkeypatch):
    from alliance.api import views as api_views

    grow(clinic, 3, seed=6, prefix="E-")
    monkeypatch.setattr(api_views, "COUNT_SHOWN_UP_TO", 2)
    page = clinic.login("researcher").get("/org/research-export/").content.decode()
    assert "more than 2 responses" in page
    assert "Download export" not in page


def test_the_worker_stores_every_organizations_months_on_its_clock(clinic):
    from alliance.growth import jobs
    from alliance.jobs.schedule import autodiscover

    assert "alliance.growth.jobs.store_month_figures" in autodiscover()
    grow(clinic, 2, seed=7, prefix="J-")
    assert jobs.store_month_figures() == 2 * summaries.STORED_MONTHS  # both organizations
    assert jobs.store_month_figures() == 0


def test_calibration_of_all_supervisees_at_once_equals_each_one_alone(clinic):
    from alliance.accounts.models import Supervision

    grow(clinic, 12, seed=8, prefix="K-")
    Supervision.objects.create(
        organization=clinic.org, supervisor=clinic.supervisor, therapist=clinic.colleague
    )
    viewer = access.Viewer(clinic.supervisor, clinic.org, frozenset({Role.SUPERVISOR}))
    people = [clinic.therapist, clinic.colleague]
    together = reports.calibration_by_therapist(
        reports.supervisee_staff(viewer, [p.pk for p in people])
    )
    for person in people:
        alone = reports.calibration_sums(reports.therapist_episodes(viewer, person), person)
        assert alone, person
        found = sorted(together[person.pk])
        assert [(c, n) for c, _t, n in found] == [(c, n) for c, _t, n in sorted(alone)]
        assert [t for _c, t, _n in found] == pytest.approx([t for _c, t, _n in sorted(alone)])

"""The caseload costs a fixed number of queries, whatever the number of episodes (DESIGN.md,
Budgets); the timings themselves are measured by bench/bench_caseload.py, never here."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.care.models import CareEpisode
from alliance.insights.services import recompute_organization
from alliance.synthetic.database import Staff, load
from alliance.synthetic.histories import Mix, generate

INDIVIDUAL = Mix(couple=0.0, family=0.0, group=0.0, interpreter=0.0)


def _caseload_queries(http) -> int:
    with CaptureQueriesContext(connection) as captured:
        page = http.get("/")
    assert page.status_code == 200
    return len(captured.captured_queries)


def test_caseload_query_count_does_not_grow_with_the_caseload(clinic):
    http = clinic.login("therapist")
    staff = Staff(therapist=clinic.therapist)
    # The clinic fixture's own episode plus one synthetic one: 2 open episodes.
    load(clinic.org, staff, generate(1, seed=3, sessions=(8, 8), mix=INDIVIDUAL), code_prefix="A")
    recompute_organization(clinic.org)
    mine = CareEpisode.objects.filter(participants__user=clinic.therapist, status="open")
    assert mine.count() == 2
    at_two = _caseload_queries(http)

    load(clinic.org, staff, generate(4, seed=4, sessions=(8, 8), mix=INDIVIDUAL), code_prefix="B")
    recompute_organization(clinic.org)
    assert mine.count() == 6
    at_six = _caseload_queries(http)
    assert at_six == at_two


def test_stored_trends_match_the_responses_and_are_kept_up_to_date(clinic):
    """The caseload reads each episode's trend from a row written when check-ins arrive; that
    row says exactly what aggregating the responses says, and a new check-in updates it."""
    from alliance.insights import trends
    from alliance.insights.models import AllianceTrend
    from alliance.insights.services import recompute_episode

    staff = Staff(therapist=clinic.therapist)
    load(clinic.org, staff, generate(3, seed=7, sessions=(6, 9), mix=INDIVIDUAL), code_prefix="T")
    ids = list(CareEpisode.objects.filter(organization=clinic.org).values_list("pk", flat=True))
    on_the_fly = trends.for_episodes(ids)  # nothing stored yet: computed, and not written
    assert not AllianceTrend.objects.exists()
    recompute_organization(clinic.org)
    stored = trends.for_episodes(ids)
    assert AllianceTrend.objects.count() == len(ids)
    for pk in ids:
        assert stored[pk].by_session == on_the_fly[pk].by_session
        assert stored[pk].last_checkin_at == on_the_fly[pk].last_checkin_at
    synthetic = next(pk for pk in ids if on_the_fly[pk].values)
    assert len(stored[synthetic].values) >= 6

    # The fixture's episode had no check-in; one client rating shows up after the recompute
    # that follows every submission.
    from tests.insights.test_alerts import rate

    assert stored[clinic.episode.pk].values == []
    rate(clinic.episode, 1, 7)
    recompute_episode(clinic.episode)
    assert trends.for_episodes([clinic.episode.pk])[clinic.episode.pk].values == [7.0]
    page = clinic.login("therapist").get("/")
    assert "latest 7.0 of 10 over 1 check-ins" in page.content.decode()

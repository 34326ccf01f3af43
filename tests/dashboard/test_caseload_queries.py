"""The caseload costs a fixed number of queries, whatever the number of episodes (DESIGN.md,
Budgets); the timings themselves are measured by bench/bench_caseload.py, never here."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.care.models import CareEpisode
from alliance.insights.service import recompute_organization
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

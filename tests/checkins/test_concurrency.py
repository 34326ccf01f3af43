"""Two submits of the same link at the same moment store one response (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient

from alliance.checkins.models import CheckinState, Response

from .helpers import form_key, good_answers, issue


def _race(url: str, payloads: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(payloads))
    results: list[int] = []

    def submit(data: dict) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(HttpClient().post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_key", [True, False], ids=["double-click", "two-tabs"])
def test_concurrent_double_submit_stores_one_response(clinic, same_key):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers, so no real race")
    checkin, token = issue(clinic)
    url = f"/c/{token}/"
    key = form_key(HttpClient().get(url).content.decode())
    other = key if same_key else "f" * 32
    results = _race(url, [good_answers(key), good_answers(other, **{"q1-bond": "3"})])
    assert sorted(results) == [302, 302], results
    assert Response.objects.count() == 1
    checkin.refresh_from_db()
    assert checkin.state == CheckinState.COMPLETED

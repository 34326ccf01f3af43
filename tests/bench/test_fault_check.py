"""The integrity check and the error grouping of the load and fault test (bench/bench_faults.py),
on a handful of made-up submissions: the check must catch every way a submission can go wrong."""

from __future__ import annotations

from bench.fault_check import (
    Attempt,
    Submission,
    answered_from_earlier_attempt,
    check,
    disturbances,
    is_retryable,
    latency,
    outcomes,
    timeline,
)


def stored(participant: int, key: str) -> str:
    # The server's form: "<participant>:<instrument>:<form key>".
    return f"{participant}:alliance-checkin-client:{key}"


def test_a_clean_run_passes_and_counts_each_kind_of_submission():
    submissions = [
        Submission(0, 100, "a" * 32, 1, True, "ok"),
        Submission(1, 101, "b" * 32, 3, True, "ok"),  # needed two retries
        Submission(2, 102, "c" * 32, 4, False, "http_500"),  # reply lost, but stored
        Submission(3, 103, "d" * 32, 2, False, "refused"),  # told to retry, nothing stored
        Submission(4, 104, None, 0, False, "timeout"),  # the form never arrived
    ]
    db = {
        100: [stored(1, "a" * 32)],
        101: [stored(2, "b" * 32)],
        102: [stored(3, "c" * 32)],
        103: [],
        104: [],
        105: [],  # issued, never opened
    }

    result = check(submissions, db)

    assert result.ok
    assert result.successes == 2
    assert result.stored_once == 2
    assert result.retried_successes == 1
    assert result.unresolved_stored == 1
    assert result.unresolved_absent == 1
    assert result.never_posted == 1
    assert (result.lost, result.duplicates, result.wrong_key) == (0, 0, 0)


def test_a_success_with_nothing_stored_is_lost():
    result = check([Submission(0, 100, "a" * 32, 1, True, "ok")], {100: []})

    assert not result.ok
    assert result.lost == 1
    assert "nothing stored" in result.problems[0]


def test_a_retry_that_stored_a_second_response_is_a_duplicate():
    keys = [stored(1, "a" * 32), stored(1, "a" * 32) + "x"]
    result = check([Submission(0, 100, "a" * 32, 2, True, "ok")], {100: keys})

    assert not result.ok
    assert result.duplicates == 1


def test_a_success_stored_under_another_forms_key_fails():
    result = check([Submission(0, 100, "a" * 32, 1, True, "ok")], {100: [stored(1, "e" * 32)]})

    assert not result.ok
    assert result.wrong_key == 1


def test_a_response_for_a_link_nobody_posted_fails():
    result = check([Submission(0, 100, None, 0, False, "refused")], {100: [], 101: ["1:x:k"]})

    assert not result.ok
    assert result.stored_without_post == 1


def test_only_indefinite_outcomes_are_retried():
    for outcome in ("refused", "reset", "disconnected", "timeout", "http_500", "http_502"):
        assert is_retryable(outcome)
    for outcome in ("ok", "http_404", "http_400", "bad_form", "unexpected_302"):
        assert not is_retryable(outcome)


def test_errors_are_grouped_by_the_last_fault_before_them():
    attempts = [
        Attempt(0, "POST", 1.0, 100, "ok"),
        Attempt(1, "POST", 4.9, 200, "disconnected"),  # cut off by the kill at 5.0
        Attempt(2, "POST", 9.0, 80, "ok"),
        Attempt(3, "POST", 10.5, 0, "http_500"),
        Attempt(4, "GET", 11.0, 0, "refused"),
        Attempt(5, "POST", 12.0, 90, "ok"),
    ]

    before, kill, restart = disturbances(attempts, [("kill", 5.0), ("restart", 10.0)], 15.0)

    assert before.errors == {}
    assert kill.errors == {"disconnected": 1}
    assert restart.errors == {"http_500": 1, "refused": 1}
    assert restart.first_error == 0.5 and restart.last_error == 1.0
    assert outcomes(attempts) == {
        "GET": {"refused": 1},
        "POST": {"disconnected": 1, "http_500": 1, "ok": 3},
    }
    assert timeline(attempts, 5.0) == [(0.0, 1, 0), (5.0, 1, 1), (10.0, 1, 2)]


def test_latency_percentiles_by_nearest_rank():
    summary = latency([float(v) for v in range(1, 101)])

    assert (summary["p50"], summary["p95"], summary["p99"], summary["max"]) == (50, 95, 99, 100)
    assert latency([]) == {"n": 0}


def test_a_retry_answered_from_the_stored_first_attempt_is_counted():
    submissions = [
        Submission(0, 100, "a" * 32, 2, True, "ok"),  # first reply lost after storing
        Submission(1, 101, "b" * 32, 2, True, "ok"),  # first attempt failed, retry stored it
        Submission(2, 102, "c" * 32, 1, True, "ok"),
    ]
    attempts = [
        Attempt(0, "POST", 10.0, 500, "disconnected"),
        Attempt(0, "POST", 11.0, 50, "ok"),
        Attempt(1, "POST", 10.0, 5, "http_500"),
        Attempt(1, "POST", 11.0, 50, "ok"),
        Attempt(2, "POST", 10.0, 50, "ok"),
    ]
    stored_at = {100: 10.2, 101: 11.03, 102: 10.03}

    assert answered_from_earlier_attempt(submissions, attempts, stored_at) == 1

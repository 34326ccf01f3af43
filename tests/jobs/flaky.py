"""Jobs for the worker tests: module-level, as the tasks framework requires."""

from __future__ import annotations

from alliance.jobs.runner import job

# How many times `flaky` still fails before it succeeds, and every call it received.
plan = {"failures_left": 0}
calls: list[int] = []


@job
def flaky(number: int, *, organization_id: int | None) -> int:
    calls.append(number)
    if plan["failures_left"] > 0:
        plan["failures_left"] -= 1
        raise RuntimeError(f"the mail server is down (call {len(calls)})")
    return number * 2

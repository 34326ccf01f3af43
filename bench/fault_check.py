"""The numbers of the load and fault test (bench/bench_faults.py), with no Django in sight.

Two questions are answered here from plain records, so they can be tested on a handful of
made-up submissions: did every submission that was answered with success end up stored exactly
once (the integrity check), and what did the clients see around each fault (attempts by kind
of outcome, latency percentiles, the time line)?
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

OK = "ok"
# Outcomes after which a client may send the very same form again: nothing definite came back.
# A 429 is the friendly "too many attempts" page, which also asks to try again later.
RETRYABLE_PREFIXES = ("refused", "reset", "disconnected", "timeout", "http_5", "http_429")


def is_retryable(outcome: str) -> bool:
    return outcome.startswith(RETRYABLE_PREFIXES)


@dataclass(frozen=True)
class Attempt:
    """One HTTP request of one client: the form (GET) or the answers (POST)."""

    link: int
    method: str
    started: float  # seconds since the load began
    ms: float
    outcome: str  # OK, or refused / reset / disconnected / timeout / http_<status> / bad_form


@dataclass(frozen=True)
class Submission:
    """What one client saw of one link, from opening it to success or giving up."""

    link: int
    request_pk: int
    key: str | None  # the form's idempotency key; None when the form never arrived
    posts: int  # POST attempts, first one included
    succeeded: bool
    last_outcome: str
    seconds: float = 0.0  # from the first GET to the success (or to giving up)


@dataclass
class Integrity:
    successes: int = 0
    stored_once: int = 0
    lost: int = 0  # success answered, nothing stored
    duplicates: int = 0  # a link with more than one stored response
    wrong_key: int = 0  # success answered, but the stored response carries another form's key
    retried_successes: int = 0  # successes that needed more than one POST
    unresolved_stored: int = 0  # never answered with success, yet stored once (reply lost)
    unresolved_absent: int = 0  # never answered with success, nothing stored: told to retry
    stored_without_post: int = 0  # stored for a link no client ever posted
    never_posted: int = 0  # the form never arrived (GET failed until the deadline)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicates or self.wrong_key or self.stored_without_post)


def _has_key(stored_key: str, key: str) -> bool:
    # The server stores "<participant>:<instrument>:<form key>" (services.save_response).
    return stored_key == key or stored_key.endswith(":" + key)


def check(submissions: Iterable[Submission], stored: Mapping[int, Sequence[str]]) -> Integrity:
    """Compare what clients were told with what the database holds.

    `stored` maps each link's request id to the idempotency keys of its stored responses (every
    link the run issued, including ones no client reached)."""
    result = Integrity()
    seen: set[int] = set()
    for s in submissions:
        seen.add(s.request_pk)
        keys = list(stored.get(s.request_pk, ()))
        if len(keys) > 1:
            result.duplicates += 1
            result.problems.append(f"link {s.link}: {len(keys)} responses stored")
        if s.succeeded:
            result.successes += 1
            result.retried_successes += s.posts > 1
            if not keys:
                result.lost += 1
                result.problems.append(f"link {s.link}: success answered, nothing stored")
            elif s.key is None or not all(_has_key(k, s.key) for k in keys):
                result.wrong_key += 1
                result.problems.append(f"link {s.link}: stored under another form's key")
            elif len(keys) == 1:
                result.stored_once += 1
        elif s.posts == 0:
            result.never_posted += 1
            if keys:
                result.stored_without_post += 1
                result.problems.append(f"link {s.link}: stored although never posted")
        elif keys:
            result.unresolved_stored += 1
        else:
            result.unresolved_absent += 1
    for request_pk, found in stored.items():
        if request_pk not in seen and found:
            result.stored_without_post += 1
            result.problems.append(f"request {request_pk}: stored although no client had it")
            if len(found) > 1:
                result.duplicates += 1
    return result


def answered_from_earlier_attempt(
    submissions: Iterable[Submission],
    attempts: Iterable[Attempt],
    stored_at: Mapping[int, float],
) -> int:
    """Retried successes whose response was stored before their last POST began: an earlier
    attempt had been stored but its reply was lost, and the retry was answered from the form's
    idempotency key. `stored_at` is each request's storing time in seconds since the load
    began."""
    last_post: dict[int, float] = {}
    for a in attempts:
        if a.method == "POST":
            last_post[a.link] = max(a.started, last_post.get(a.link, a.started))
    return sum(
        1
        for s in submissions
        if s.succeeded
        and s.posts > 1
        and s.request_pk in stored_at
        and stored_at[s.request_pk] < last_post.get(s.link, 0.0)
    )


# --- what the clients saw -----------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))  # the smallest value with p % at or below it
    return ordered[max(0, min(len(ordered), rank) - 1)]


def latency(ms: Sequence[float]) -> dict[str, float]:
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms),
    }


def outcomes(attempts: Iterable[Attempt]) -> dict[str, dict[str, int]]:
    """Attempts counted by method and outcome, e.g. {"POST": {"ok": 900, "http_500": 3}}."""
    counts: dict[str, Counter[str]] = {}
    for a in attempts:
        counts.setdefault(a.method, Counter())[a.outcome] += 1
    return {m: dict(sorted(c.items())) for m, c in sorted(counts.items())}


@dataclass(frozen=True)
class Disturbance:
    """The failed attempts begun from one fault until the next one."""

    name: str
    at: float
    errors: dict[str, int]
    first_error: float | None  # seconds after the fault, when the failed attempt ended
    last_error: float | None


def disturbances(
    attempts: Sequence[Attempt], faults: Sequence[tuple[str, float]], end: float
) -> list[Disturbance]:
    """Failed attempts grouped by the most recent fault before their failure (`faults` as
    (name, at) pairs in time order; failures before the first fault are grouped under "before").
    A request cut off by a fault began before it, so the time that counts is when it ended."""
    marks = [("before", 0.0), *faults]
    out = []
    for i, (name, at) in enumerate(marks):
        until = marks[i + 1][1] if i + 1 < len(marks) else end + 3600
        failed = [a for a in attempts if a.outcome != OK and at <= ended(a) < until]
        times = [ended(a) - at for a in failed]
        out.append(
            Disturbance(
                name=name,
                at=at,
                errors=dict(sorted(Counter(a.outcome for a in failed).items())),
                first_error=min(times) if times else None,
                last_error=max(times) if times else None,
            )
        )
    return out


def ended(a: Attempt) -> float:
    return a.started + a.ms / 1000


def timeline(attempts: Iterable[Attempt], bucket: float) -> list[tuple[float, int, int]]:
    """(bucket start, successful POSTs, failed attempts) per `bucket` seconds."""
    ok: Counter[int] = Counter()
    failed: Counter[int] = Counter()
    for a in attempts:
        b = int(ended(a) // bucket)  # counted when the answer came
        if a.outcome != OK:
            failed[b] += 1
        elif a.method == "POST":
            ok[b] += 1
    last = max([*ok, *failed], default=-1)
    return [(b * bucket, ok[b], failed[b]) for b in range(last + 1)]

"""The numbers behind the growth pages: means with 95% confidence intervals, differences between
two periods, calibration, and the small-group rule. Plain data in, plain data out; no Django.

Unit of analysis: the client. Several ratings from one client are not independent (the same
person, the same relationship, rated week after week), so treating 20 ratings from one client as
20 observations would make an interval look four or five times narrower than the evidence
allows. Every estimate here therefore averages each client's ratings first and then works with
one number per client (a two-stage, "summary measures" analysis of clustered data). The number
of clients, not of ratings, is also what the small-group rule counts.

Sources (docs/growth.md lists them with the arithmetic):
- the two-sided 95% quantiles of Student's t for 1–30 degrees of freedom are the standard table
  values (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2);
- above 30 degrees of freedom, the expansion of t in terms of the normal quantile,
  Abramowitz & Stegun (1964), Handbook of Mathematical Functions, formula 26.7.5;
- Welch (1947) for the difference of two means with unequal variances, with the
  Welch–Satterthwaite degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)

# Fewer distinct clients than this and a group is not shown at all: not its mean, not its
# interval, not how many clients or ratings it has. Small groups identify people and their
# means are too uncertain to reflect on.
MIN_CLIENTS = 5

# Two-sided 95% critical values of Student's t (the 0.975 quantile) by degrees of freedom.
T_975: Mapping[int, float] = {
    1: 12.7062,
    2: 4.3027,
    3: 3.1824,
    4: 2.7764,
    5: 2.5706,
    6: 2.4469,
    7: 2.3646,
    8: 2.3060,
    9: 2.2622,
    10: 2.2281,
    11: 2.2010,
    12: 2.1788,
    13: 2.1604,
    14: 2.1448,
    15: 2.1314,
    16: 2.1199,
    17: 2.1098,
    18: 2.1009,
    19: 2.0930,
    20: 2.0860,
    21: 2.0796,
    22: 2.0739,
    23: 2.0687,
    24: 2.0639,
    25: 2.0595,
    26: 2.0555,
    27: 2.0518,
    28: 2.0484,
    29: 2.0452,
    30: 2.0423,
}
Z_975 = 1.959963984540054  # the 0.975 quantile of the standard normal distribution


def t_critical(df: float) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (df ≥ 1, may be fractional,
    as Welch's degrees of freedom are).

    Up to 30: the table, interpolated linearly in 1/df between whole degrees of freedom (the
    usual way to read a t table between its rows; the quantile is nearly linear in 1/df).
    Above 30: Abramowitz & Stegun 26.7.5, accurate to the fourth decimal there."""
    if not df >= 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df > 30:
        return _t_expansion(df)
    low, high = math.floor(df), math.ceil(df)
    if low == high:
        return T_975[low]
    share = (1 / low - 1 / df) / (1 / low - 1 / high)
    return T_975[low] + share * (T_975[high] - T_975[low])


def _t_expansion(df: float) -> float:
    x = Z_975
    g1 = (x**3 + x) / 4
    g2 = (5 * x**5 + 16 * x**3 + 3 * x) / 96
    g3 = (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384
    g4 = (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160
    return x + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


# ----------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Estimate:
    """A mean over clients with its 95% confidence interval."""

    mean: float
    low: float
    high: float
    clients: int
    ratings: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class Suppressed:
    """A group too small to show. Deliberately carries no counts: a page cannot leak them."""

    reason: str = f"fewer than {MIN_CLIENTS} clients"


@dataclass(frozen=True)
class Difference:
    """Later period minus earlier period, over client means, with Welch's 95% interval."""

    before: Estimate
    after: Estimate
    difference: float
    low: float
    high: float
    df: float


Summary = Estimate | Suppressed
Comparison = Difference | Suppressed

# One rating: (client, value). Several may share a client.
Rating = tuple[Hashable, float]


# ------------------------------------------------------------------------------- basic pieces


def mean(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no values")
    return math.fsum(values) / len(values)


def sample_variance(values: Sequence[float]) -> float:
    """The unbiased (n − 1) variance; needs two values at least."""
    if len(values) < 2:
        raise ValueError("a variance needs at least two values")
    centre = mean(values)
    return math.fsum((v - centre) ** 2 for v in values) / (len(values) - 1)


def mean_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and the t-based 95% interval, mean ± t(0.975, n−1) · s / √n."""
    centre = mean(values)
    n = len(values)
    half = t_critical(n - 1) * math.sqrt(sample_variance(values) / n)
    return centre, centre - half, centre + half


def client_means(ratings: Iterable[Rating]) -> dict[Hashable, float]:
    """Each client's own mean: the first stage of the clustered analysis."""
    sums: dict[Hashable, list[float]] = {}
    for client, value in ratings:
        sums.setdefault(client, []).append(value)
    return {client: mean(values) for client, values in sums.items()}


# ------------------------------------------------------------------------------------ figures


# Ratings already added up per client by the database: (client, sum of values, how many).
ClientSum = tuple[Hashable, float, int]


def merge_sums(sums: Iterable[ClientSum]) -> dict[Hashable, tuple[float, int]]:
    """One (sum, count) per client; a client may come in several rows (several episodes,
    sessions or groups the database kept apart)."""
    merged: dict[Hashable, tuple[float, int]] = {}
    for client, total, count in sums:
        before = merged.get(client, (0.0, 0))
        merged[client] = (before[0] + total, before[1] + count)
    return merged


def summarise_sums(sums: Iterable[ClientSum], *, min_clients: int = MIN_CLIENTS) -> Summary:
    """`summarise` for ratings the database has already summed per client: the same two-stage
    estimate, without one Python object per rating."""
    merged = merge_sums(sums)
    if len(merged) < max(min_clients, 2):
        return Suppressed()
    means = [total / count for total, count in merged.values()]
    centre, low, high = mean_interval(means)
    ratings = sum(count for _total, count in merged.values())
    return Estimate(centre, low, high, clients=len(merged), ratings=ratings)


def summary_from_moments(
    clients: int, ratings: int, centre: float, variance: float, *, min_clients: int = MIN_CLIENTS
) -> Summary:
    """The estimate from stored figures of the client means (how many, their mean and sample
    variance), as `summarise` would give it from the ratings themselves."""
    if clients < max(min_clients, 2):
        return Suppressed()
    half = t_critical(clients - 1) * math.sqrt(max(variance, 0.0) / clients)
    return Estimate(centre, centre - half, centre + half, clients=clients, ratings=ratings)


def summarise_sum_groups(
    rows: Iterable[tuple[K, Hashable, float, int]],
    order: Callable[[K], Any] | None = None,
    *,
    min_clients: int = MIN_CLIENTS,
    complementary: bool = False,
) -> list[tuple[K, Summary]]:
    """`summarise_groups` for (group, client, sum, count) rows summed by the database."""
    groups: dict[K, list[ClientSum]] = {}
    for group, client, total, count in rows:
        groups.setdefault(group, []).append((client, total, count))
    keys = sorted(groups, key=order) if order else list(groups)
    result = [(key, summarise_sums(groups[key], min_clients=min_clients)) for key in keys]
    if complementary:
        clients = {key: {client for client, _t, _n in groups[key]} for key in groups}
        hidden = _hide_complements(clients, result, min_clients)
        result = [(key, Suppressed() if key in hidden else s) for key, s in result]
    return result


def summarise(ratings: Sequence[Rating], *, min_clients: int = MIN_CLIENTS) -> Summary:
    """Mean over clients of each client's mean, with its 95% interval; suppressed when fewer
    than `min_clients` distinct clients rated."""
    per_client = client_means(ratings)
    if len(per_client) < max(min_clients, 2):
        return Suppressed()
    centre, low, high = mean_interval(list(per_client.values()))
    return Estimate(centre, low, high, clients=len(per_client), ratings=len(ratings))


def compare(
    before: Sequence[Rating], after: Sequence[Rating], *, min_clients: int = MIN_CLIENTS
) -> Comparison:
    """After minus before, with Welch's interval over client means.

    Welch treats the periods as independent samples. Where the same clients rated in both
    periods their means are positively correlated, which makes this interval wider than a
    paired one: erring on the side of "we cannot tell yet" is the right error for reflection."""
    first, second = (
        summarise(before, min_clients=min_clients),
        summarise(after, min_clients=min_clients),
    )
    if isinstance(first, Suppressed) or isinstance(second, Suppressed):
        return Suppressed()
    a = list(client_means(before).values())
    b = list(client_means(after).values())
    va, vb = sample_variance(a) / len(a), sample_variance(b) / len(b)
    diff = second.mean - first.mean
    se = math.sqrt(va + vb)
    df = welch_df(va, len(a), vb, len(b))
    half = t_critical(df) * se
    return Difference(first, second, diff, diff - half, diff + half, df)


def compare_sums(
    before: Sequence[ClientSum], after: Sequence[ClientSum], *, min_clients: int = MIN_CLIENTS
) -> Comparison:
    """`compare` for ratings the database has already summed per client."""
    first = summarise_sums(before, min_clients=min_clients)
    second = summarise_sums(after, min_clients=min_clients)
    if isinstance(first, Suppressed) or isinstance(second, Suppressed):
        return Suppressed()
    a = [total / count for total, count in merge_sums(before).values()]
    b = [total / count for total, count in merge_sums(after).values()]
    va, vb = sample_variance(a) / len(a), sample_variance(b) / len(b)
    diff = second.mean - first.mean
    df = welch_df(va, len(a), vb, len(b))
    half = t_critical(df) * math.sqrt(va + vb)
    return Difference(first, second, diff, diff - half, diff + half, df)


def welch_df(var_mean_a: float, n_a: int, var_mean_b: float, n_b: int) -> float:
    """Welch–Satterthwaite degrees of freedom from the squared standard errors s²/n of each
    group. Two groups without any spread have no uncertainty to share out: n_a + n_b − 2."""
    total = var_mean_a + var_mean_b
    if total == 0:
        return float(n_a + n_b - 2)
    return total**2 / (var_mean_a**2 / (n_a - 1) + var_mean_b**2 / (n_b - 1))


def calibration(
    pairs: Sequence[tuple[Hashable, float, float]], *, min_clients: int = MIN_CLIENTS
) -> Summary:
    """The therapist's rating minus the client's for the same session, as (client, therapist,
    client) triples; a positive mean means the therapist tends to rate the session higher than
    the client did. Clustered by client like every other figure."""
    return summarise(
        [(client, mine - theirs) for client, mine, theirs in pairs], min_clients=min_clients
    )


def summarise_groups(
    rows: Iterable[tuple[K, Hashable, float]],
    order: Callable[[K], Any] | None = None,
    *,
    min_clients: int = MIN_CLIENTS,
    complementary: bool = False,
) -> list[tuple[K, Summary]]:
    """One summary per group of (group, client, value) rows, in `order` (else first seen).

    `complementary`: the page also shows a total over the same rows (an "overall" line), so a
    small group would otherwise be found by subtraction (the overall clients, check-ins and mean
    minus those of the groups shown). Further groups are then suppressed, smallest first, until
    the suppressed groups together hold no clients or at least `min_clients` of them."""
    groups: dict[K, list[Rating]] = {}
    for group, client, value in rows:
        groups.setdefault(group, []).append((client, value))
    keys = sorted(groups, key=order) if order else list(groups)
    result = [(key, summarise(groups[key], min_clients=min_clients)) for key in keys]
    if complementary:
        hidden = _complement(groups, result, min_clients)
        result = [(key, Suppressed() if key in hidden else s) for key, s in result]
    return result


def _complement(
    groups: Mapping[K, Sequence[Rating]], result: Sequence[tuple[K, Summary]], min_clients: int
) -> set[K]:
    """The groups to suppress so that the suppressed ones, taken together, are not a small
    group themselves (secondary suppression)."""
    clients = {key: {client for client, _value in groups[key]} for key in groups}
    return _hide_complements(clients, result, min_clients)


def _hide_complements(
    clients: Mapping[K, set[Hashable]], result: Sequence[tuple[K, Summary]], min_clients: int
) -> set[K]:
    hidden = {key for key, summary in result if isinstance(summary, Suppressed)}
    shown = [key for key, _summary in result if key not in hidden]
    while shown:
        together = set().union(*(clients[key] for key in hidden)) if hidden else set()
        if not together or len(together) >= min_clients:
            break
        smallest = min(shown, key=lambda key: len(clients[key]))
        shown.remove(smallest)
        hidden.add(smallest)
    return hidden


# --------------------------------------------------------------------------------- groupings

# Session-number groups: the first sessions one by one (the alliance forms early and an early
# dip matters most), later ones in widening bands so each group still holds enough clients.
SESSION_BANDS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "1"),
    (2, 2, "2"),
    (3, 3, "3"),
    (4, 4, "4"),
    (5, 8, "5–8"),
    (9, 12, "9–12"),
    (13, 20, "13–20"),
    (21, 10**9, "21 and later"),
)


def session_band(number: int) -> int:
    """The index into SESSION_BANDS of a session number (1-based)."""
    for index, (first, last, _label) in enumerate(SESSION_BANDS):
        if first <= number <= last:
            return index
    raise ValueError(f"session number {number} is not a positive number")


def quarter(year: int, month: int) -> tuple[int, int]:
    """The calendar quarter (year, 1–4) of a month."""
    return year, (month - 1) // 3 + 1


def extremes(
    means: Mapping[K, float], count: int
) -> tuple[list[tuple[K, float]], list[tuple[K, float]]]:
    """The `count` lowest and the `count` highest means, never overlapping: with fewer than
    twice `count` entries each side gets half (rounded down)."""
    ranked = sorted(means.items(), key=lambda item: (item[1], str(item[0])))
    take = min(count, len(ranked) // 2)
    if take == 0:
        return [], []
    return ranked[:take], list(reversed(ranked[-take:]))

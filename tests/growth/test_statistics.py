"""Known-answer tests for every statistic the growth pages show. Each expected value was worked
out by hand; the arithmetic is in the comment beside it."""

from __future__ import annotations

import math

import pytest

from alliance.growth import statistics as stats


def test_t_table_values_are_the_standard_ones() -> None:
    # Standard two-sided 95% t table (e.g. NIST e-Handbook 1.3.6.7.2).
    assert stats.t_critical(1) == pytest.approx(12.7062)
    assert stats.t_critical(4) == pytest.approx(2.7764)
    assert stats.t_critical(10) == pytest.approx(2.2281)
    assert stats.t_critical(30) == pytest.approx(2.0423)


def test_t_beyond_the_table_follows_abramowitz_and_stegun() -> None:
    # Reference quantiles: t(0.975; 40) = 2.0211, t(0.975; 60) = 2.0003, t(0.975; 120) = 1.9799;
    # the expansion tends to the normal quantile 1.95996 as df grows.
    assert stats.t_critical(40) == pytest.approx(2.0211, abs=1e-4)
    assert stats.t_critical(60) == pytest.approx(2.0003, abs=1e-4)
    assert stats.t_critical(120) == pytest.approx(1.9799, abs=1e-4)
    assert stats.t_critical(1e9) == pytest.approx(1.959964, abs=1e-6)


def test_t_between_rows_is_interpolated_in_one_over_df() -> None:
    # df = 4.5: share = (1/4 − 1/4.5) / (1/4 − 1/5) = 0.027778 / 0.05 = 5/9;
    # t = 2.7764 + 5/9 · (2.5706 − 2.7764) = 2.7764 − 0.114333 = 2.662067.
    assert stats.t_critical(4.5) == pytest.approx(2.662067, abs=1e-6)


@pytest.mark.parametrize("df", [0, 0.5, -3, math.nan])
def test_t_needs_one_degree_of_freedom(df: float) -> None:
    with pytest.raises(ValueError):
        stats.t_critical(df)


def test_mean_interval_of_two_values() -> None:
    # [4, 6]: mean 5, s² = (1 + 1)/1 = 2, se = √(2/2) = 1, t(1) = 12.7062 → 5 ± 12.7062.
    centre, low, high = stats.mean_interval([4, 6])
    assert (centre, low, high) == pytest.approx((5, 5 - 12.7062, 5 + 12.7062))


def test_summary_of_five_clients() -> None:
    # 6, 7, 8, 9, 10: mean 8; s² = (4 + 1 + 0 + 1 + 4)/4 = 2.5; se = √(2.5/5) = 0.707107;
    # half width = 2.7764 · 0.707107 = 1.963212 → 6.036788 to 9.963212.
    found = stats.summarise([(c, v) for c, v in enumerate([6, 7, 8, 9, 10])])
    assert isinstance(found, stats.Estimate)
    assert found.mean == pytest.approx(8)
    assert (found.low, found.high) == pytest.approx((6.036788, 9.963212), abs=1e-6)
    assert (found.clients, found.ratings) == (5, 5)


def test_summary_averages_each_client_first() -> None:
    # Client "a" rated four sessions 10; b–e rated once 6, 7, 8, 9. Client means 10, 6, 7, 8, 9
    # give the same 8 (6.04 to 9.96) as above; a mean over the eight ratings would say
    # (40 + 30)/8 = 8.75 and let one client's many check-ins outweigh the others.
    ratings = [("a", 10.0)] * 4 + [("b", 6.0), ("c", 7.0), ("d", 8.0), ("e", 9.0)]
    found = stats.summarise(ratings)
    assert isinstance(found, stats.Estimate)
    assert found.mean == pytest.approx(8)
    assert found.high == pytest.approx(9.963212, abs=1e-6)
    assert (found.clients, found.ratings) == (5, 8)


def test_fewer_than_five_clients_are_suppressed_whatever_the_ratings() -> None:
    ratings = [(client, 7.0) for client in range(4) for _ in range(30)]
    found = stats.summarise(ratings)
    assert isinstance(found, stats.Suppressed)
    # Nothing to leak: no mean, no interval, no counts.
    assert not hasattr(found, "clients") and not hasattr(found, "mean")
    assert found.reason == "fewer than 5 clients"


def test_an_empty_group_is_suppressed_too() -> None:
    assert isinstance(stats.summarise([]), stats.Suppressed)


def test_difference_of_two_periods_uses_welch() -> None:
    # Before 5, 6, 7, 8, 9: mean 7, s² = 2.5, s²/n = 0.5.
    # After 6, 8, 8, 8, 10: mean 8, s² = (4 + 0 + 0 + 0 + 4)/4 = 2, s²/n = 0.4.
    # Difference 1; se = √0.9 = 0.948683;
    # Welch df = 0.9² / (0.5²/4 + 0.4²/4) = 0.81 / 0.1025 = 7.902439;
    # t(7.902439) = 2.3646 − [(1/7 − 1/7.902439)/(1/7 − 1/8)] · (2.3646 − 2.3060)
    #             = 2.3646 − 0.913580 · 0.0586 = 2.311064;
    # half width = 2.311064 · 0.948683 = 2.192468 → −1.192468 to 3.192468.
    before = list(enumerate([5.0, 6.0, 7.0, 8.0, 9.0]))
    after = list(enumerate([6.0, 8.0, 8.0, 8.0, 10.0]))
    found = stats.compare(before, after)
    assert isinstance(found, stats.Difference)
    assert found.difference == pytest.approx(1)
    assert found.df == pytest.approx(7.902439, abs=1e-6)
    assert (found.low, found.high) == pytest.approx((-1.192468, 3.192468), abs=1e-5)
    assert found.before.mean == pytest.approx(7) and found.after.mean == pytest.approx(8)


def test_difference_is_suppressed_when_either_period_is_small() -> None:
    five = list(enumerate([5.0, 6.0, 7.0, 8.0, 9.0]))
    four = list(enumerate([5.0, 6.0, 7.0, 8.0]))
    assert isinstance(stats.compare(five, four), stats.Suppressed)
    assert isinstance(stats.compare(four, five), stats.Suppressed)


def test_welch_df_without_spread_falls_back_to_pooled_df() -> None:
    # Both groups constant: no variance to apportion, df = 5 + 5 − 2 = 8.
    assert stats.welch_df(0.0, 5, 0.0, 5) == 8
    # Equal variances and sizes give the pooled df: (2v)² / (2 · v²/4) = 8.
    assert stats.welch_df(0.5, 5, 0.5, 5) == pytest.approx(8)


def test_calibration_is_therapist_minus_client_clustered_by_client() -> None:
    # Gaps: client 1 +1 and −1 (mean 0); 2: +1; 3: 0; 4: +2; 5: −1.
    # Client means 0, 1, 0, 2, −1: mean 0.4; s² = (0.16 + 0.36 + 0.16 + 2.56 + 1.96)/4 = 1.3;
    # se = √(1.3/5) = 0.509902; half = 2.7764 · 0.509902 = 1.415692 → −1.015692 to 1.815692.
    pairs = [
        (1, 8.0, 7.0),
        (1, 8.0, 9.0),
        (2, 9.0, 8.0),
        (3, 7.0, 7.0),
        (4, 10.0, 8.0),
        (5, 6.0, 7.0),
    ]
    found = stats.calibration(pairs)
    assert isinstance(found, stats.Estimate)
    assert found.mean == pytest.approx(0.4)
    assert (found.low, found.high) == pytest.approx((-1.015692, 1.815692), abs=1e-6)
    assert (found.clients, found.ratings) == (5, 6)


def test_groups_are_summarised_and_ordered() -> None:
    rows = [("late", c, 8.0 + c % 2) for c in range(6)] + [("early", c, 7.0) for c in range(3)]
    found = stats.summarise_groups(rows, order=lambda g: g != "early")
    assert [g for g, _s in found] == ["early", "late"]
    assert isinstance(found[0][1], stats.Suppressed)
    late = found[1][1]
    # 8, 9, 8, 9, 8, 9: mean 8.5; s² = 6 · 0.25 / 5 = 0.3; se = √(0.3/6) = 0.223607;
    # t(5) = 2.5706 → half = 0.574804.
    assert isinstance(late, stats.Estimate)
    assert (late.mean, late.low, late.high) == pytest.approx((8.5, 7.925196, 9.074804), abs=1e-6)


@pytest.mark.parametrize(
    ("number", "label"),
    [(1, "1"), (4, "4"), (5, "5–8"), (8, "5–8"), (9, "9–12"), (13, "13–20"), (21, "21 and later")],
)
def test_session_bands(number: int, label: str) -> None:
    assert stats.SESSION_BANDS[stats.session_band(number)][2] == label


def test_session_band_refuses_zero() -> None:
    with pytest.raises(ValueError):
        stats.session_band(0)


def test_quarters() -> None:
    assert stats.quarter(2026, 1) == (2026, 1)
    assert stats.quarter(2026, 3) == (2026, 1)
    assert stats.quarter(2026, 4) == (2026, 2)
    assert stats.quarter(2026, 12) == (2026, 4)


def test_extremes_never_overlap() -> None:
    means = {"a": 5.0, "b": 7.0, "c": 9.0, "d": 6.0}
    low, high = stats.extremes(means, 3)
    # Four episodes, three asked for: two each side.
    assert low == [("a", 5.0), ("d", 6.0)]
    assert high == [("c", 9.0), ("b", 7.0)]
    assert stats.extremes({"a": 5.0}, 3) == ([], [])


def test_complementary_suppression_hides_the_smallest_shown_group_too():
    # Groups a (6 clients), b (5 clients), c (2 clients): c alone is suppressed, but with an
    # overall line beside them c would be overall − a − b, so b (the smaller shown) goes too.
    rows = [("a", f"a{i}", 5.0 + i) for i in range(6)]
    rows += [("b", f"b{i}", 5.0 + i) for i in range(5)]
    rows += [("c", f"c{i}", 1.0) for i in range(2)]
    plain = dict(stats.summarise_groups(rows))
    assert isinstance(plain["b"], stats.Estimate) and isinstance(plain["c"], stats.Suppressed)
    found = dict(stats.summarise_groups(rows, complementary=True))
    assert isinstance(found["a"], stats.Estimate)
    assert isinstance(found["b"], stats.Suppressed) and isinstance(found["c"], stats.Suppressed)
    # Nothing suppressed, or suppressed groups holding 5 clients together: nothing more hidden.
    rows += [("c", f"c{i}", 1.0) for i in range(2, 5)]
    found = dict(stats.summarise_groups(rows, complementary=True))
    assert all(isinstance(s, stats.Estimate) for s in found.values())
    rows = [(g, f"{g}{i}", float(i)) for g in "xyz" for i in range(2)]
    rows += [("w", f"w{i}", float(i)) for i in range(5)]
    found = dict(stats.summarise_groups(rows, complementary=True))
    assert isinstance(found["w"], stats.Estimate)  # x, y, z hide 6 clients together
